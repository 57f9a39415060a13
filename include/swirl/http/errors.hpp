#pragma once
// The one mapping from an exception to the JSON error a client gets, used by the router (every
// API handler) and by the WebSocket upgrade (refusals before the 101):
//   RetryLater                   its own status and code, and a Retry-After header
//   ApiError                     its own status and code
//   storage::DatabaseUnavailable 503 database_unavailable
//   core::PoolOverloaded         503 overloaded
//   anything else                500 internal "internal server error", and an error log line
//                                naming what failed (the client never sees the exception text)

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "swirl/http/types.hpp"

namespace swirl::http {

struct ErrorReply {
  Status status = Status::internal_server_error;
  std::string code;
  std::string message;
  std::optional<std::chrono::seconds> retry_after;  // RetryLater: set as the Retry-After header
};

// The JSON error response for `error`, with its Retry-After header when it has one.
Response error_reply_response(unsigned version, bool keep_alive, const ErrorReply& error);

// Call only inside a catch block: maps the exception being handled. `what_failed` names the
// operation for the log line of an unexpected exception ("handler for GET /api/x").
ErrorReply current_error(std::string_view what_failed);

}  // namespace swirl::http
