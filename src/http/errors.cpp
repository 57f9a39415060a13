#include "swirl/http/errors.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "swirl/core/blocking_pool.hpp"
#include "swirl/storage/database.hpp"

namespace swirl::http {

ErrorReply current_error(std::string_view what_failed) {
  try {
    throw;
  } catch (const RetryLater& e) {
    return {e.status(), e.code(), e.what(), e.retry_after()};
  } catch (const ApiError& e) {
    return {e.status(), e.code(), e.what(), std::nullopt};
  } catch (const storage::DatabaseUnavailable& e) {
    return {Status::service_unavailable, "database_unavailable", e.what(), std::nullopt};
  } catch (const core::PoolOverloaded& e) {
    return {Status::service_unavailable, "overloaded", e.what(), std::nullopt};
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", what_failed, e.what());
  } catch (...) {
    spdlog::error("{} failed: an exception that is not a std::exception", what_failed);
  }
  return {Status::internal_server_error, "internal", "internal server error", std::nullopt};
}

Response error_reply_response(unsigned version, bool keep_alive, const ErrorReply& error) {
  auto res = error_response(version, keep_alive, error.status, error.code, error.message);
  if (error.retry_after) res.set(bhttp::field::retry_after, std::to_string(error.retry_after->count()));
  return res;
}

}  // namespace swirl::http
