#pragma once
// The server side of the WebSocket opening handshake (RFC 6455 section 4.2): checks an upgrade
// request and builds the 101 response. The HTTP server parses the request; WsSession takes
// the socket once the 101 has been written.

#include <optional>
#include <string>
#include <string_view>

#include "swirl/http/types.hpp"

namespace swirl::ws {

// Why an upgrade request is not a valid WebSocket handshake: nullopt if it is. The response is
// 400 (missing or malformed headers) or 426 with Sec-WebSocket-Version: 13 (other versions).
std::optional<http::Response> check_handshake(const http::Request& req);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC GUID)).
std::string accept_key(std::string_view key);

// The complete "HTTP/1.1 101 Switching Protocols" response. `subprotocol` is echoed in
// Sec-WebSocket-Protocol when not empty.
std::string accept_response(const http::Request& req, std::string_view subprotocol);

// True if the client offered `name` in Sec-WebSocket-Protocol.
bool offers_subprotocol(const http::Request& req, std::string_view name);

}  // namespace swirl::ws
