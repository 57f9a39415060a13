// The HTTP layer's shared pieces on their own: the header list parser and the one mapping from
// exceptions to JSON errors.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "swirl/core/blocking_pool.hpp"
#include "swirl/http/errors.hpp"
#include "swirl/http/header_tokens.hpp"
#include "swirl/storage/database.hpp"

using swirl::http::Status;

namespace {

std::vector<std::string> elements(std::string_view value) {
  std::vector<std::string> out;
  swirl::http::find_list_element(value, [&](std::string_view e) {
    out.emplace_back(e);
    return false;
  });
  return out;
}

template <typename E>
swirl::http::ErrorReply reply_for(E e) {
  try {
    throw e;
  } catch (...) {
    return swirl::http::current_error("a test");
  }
}

}  // namespace

TEST_CASE("header lists: elements are trimmed, empty ones skipped, tokens case-insensitive", "[http][headers]") {
  CHECK(elements("").empty());
  CHECK(elements(" , ,\t").empty());
  CHECK(elements("keep-alive, Upgrade") == std::vector<std::string>{"keep-alive", "Upgrade"});
  CHECK(elements("\tswirl.v1 ,swirl.token.abc\t") == std::vector<std::string>{"swirl.v1", "swirl.token.abc"});
  CHECK(elements("a,,b") == std::vector<std::string>{"a", "b"});

  CHECK(swirl::http::has_list_token("keep-alive, Upgrade", "upgrade"));
  CHECK(swirl::http::has_list_token("WebSocket", "websocket"));
  CHECK_FALSE(swirl::http::has_list_token("keep-alive, Upgraded", "upgrade"));
  CHECK_FALSE(swirl::http::has_list_token("up grade", "upgrade"));
  CHECK_FALSE(swirl::http::has_list_token("", "upgrade"));

  auto found = swirl::http::find_list_element("swirl.v1, swirl.token.T0K",
                                              [](std::string_view e) { return e.starts_with("swirl.token."); });
  REQUIRE(found);
  CHECK(*found == "swirl.token.T0K");
  CHECK(swirl::http::trim_ows(" \t x y \t ") == "x y");
}

TEST_CASE("exceptions map to the documented JSON errors", "[http][errors]") {
  auto api = reply_for(swirl::http::ApiError(Status::locked, "lobby_locked", "locked for now"));
  CHECK(api.status == Status::locked);
  CHECK(api.code == "lobby_locked");
  CHECK(api.message == "locked for now");

  auto db = reply_for(swirl::storage::DatabaseUnavailable("connection refused"));
  CHECK(db.status == Status::service_unavailable);
  CHECK(db.code == "database_unavailable");
  CHECK(db.message == "connection refused");

  auto pool = reply_for(swirl::core::PoolOverloaded{});
  CHECK(pool.status == Status::service_unavailable);
  CHECK(pool.code == "overloaded");

  // Anything else is a 500 that does not leak the exception's text.
  for (auto other : {reply_for(std::runtime_error("secret detail")), reply_for(42)}) {
    CHECK(other.status == Status::internal_server_error);
    CHECK(other.code == "internal");
    CHECK(other.message == "internal server error");
  }
}
