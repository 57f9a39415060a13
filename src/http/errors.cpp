#include "swirl/http/errors.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "swirl/core/blocking_pool.hpp"
#include "swirl/storage/database.hpp"

namespace swirl::http {

ErrorReply current_error(std::string_view what_failed) {
  try {
    throw;
  } catch (const ApiError& e) {
    return {e.status(), e.code(), e.what()};
  } catch (const storage::DatabaseUnavailable& e) {
    return {Status::service_unavailable, "database_unavailable", e.what()};
  } catch (const core::PoolOverloaded& e) {
    return {Status::service_unavailable, "overloaded", e.what()};
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", what_failed, e.what());
  } catch (...) {
    spdlog::error("{} failed: an exception that is not a std::exception", what_failed);
  }
  return {Status::internal_server_error, "internal", "internal server error"};
}

}  // namespace swirl::http
