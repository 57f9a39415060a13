#pragma once
// The one mapping from an exception to the JSON error a client gets, used by the router (every
// API handler) and by the WebSocket upgrade (refusals before the 101):
//   ApiError                     its own status and code
//   storage::DatabaseUnavailable 503 database_unavailable
//   core::PoolOverloaded         503 overloaded
//   anything else                500 internal "internal server error", and an error log line
//                                naming what failed (the client never sees the exception text)

#include <string>
#include <string_view>

#include "swirl/http/types.hpp"

namespace swirl::http {

struct ErrorReply {
  Status status = Status::internal_server_error;
  std::string code;
  std::string message;
};

// Call only inside a catch block: maps the exception being handled. `what_failed` names the
// operation for the log line of an unexpected exception ("handler for GET /api/x").
ErrorReply current_error(std::string_view what_failed);

}  // namespace swirl::http
