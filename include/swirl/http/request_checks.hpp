#pragma once
// Strict checks on a request head, before anything acts on it (RFC 9112, RFC 9110). Beast's
// parser is lenient where leniency lets two parsers disagree about where a request ends
// (request smuggling behind a proxy): it folds obsolete continuation lines into the value,
// takes an unknown transfer coding as "no body", and prefers Content-Length when a
// Transfer-Encoding it does not recognise is present. Every problem found here is answered
// with 400 and the connection is closed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "swirl/http/types.hpp"

namespace swirl::http {

struct RequestProblem {
  std::string code;  // the error code in the JSON body
  std::string message;
};

// Where the head (request line and fields, through the empty line) ends in `bytes`: the
// offset just past "\r\n\r\n", or nullopt when it has not all arrived yet.
std::optional<std::size_t> find_head_end(std::string_view bytes);

// A problem with the raw head: a field line continued on the next line (obs-fold).
std::optional<RequestProblem> check_raw_head(std::string_view head);

// A problem with the parsed head: Transfer-Encoding other than exactly one "chunked" (or
// together with Content-Length, or in HTTP/1.0), a missing or repeated Host in HTTP/1.1, or a
// Host that is not host[:port].
std::optional<RequestProblem> check_head(const bhttp::request_header<>& head);

// host[:port]: a DNS name or IPv4 address (letters, digits, '-', '.', '_'), or an IPv6
// literal in brackets; the port, if any, 1 to 5 digits up to 65535.
bool valid_host(std::string_view host);

}  // namespace swirl::http
