#include "swirl/http/request_checks.hpp"

#include <boost/beast/core/string.hpp>

namespace swirl::http {
namespace {

constexpr std::size_t kMaxHostBytes = 255;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  unsigned value = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

}  // namespace

std::optional<std::size_t> find_head_end(std::string_view bytes) {
  auto pos = bytes.find("\r\n\r\n");
  if (pos == std::string_view::npos) return std::nullopt;
  return pos + 4;
}

std::optional<RequestProblem> check_raw_head(std::string_view head) {
  // RFC 9112 5.2: a server must reject obs-fold (or replace it); Beast would join the lines.
  for (std::size_t i = 0; i + 2 < head.size(); ++i)
    if (head[i] == '\r' && head[i + 1] == '\n' && (head[i + 2] == ' ' || head[i + 2] == '\t'))
      return RequestProblem{"bad_request", "a header field is folded onto a second line (obsolete line folding)"};
  return std::nullopt;
}

std::optional<RequestProblem> check_head(const bhttp::request_header<>& head) {
  const auto te_fields = head.count(bhttp::field::transfer_encoding);
  if (te_fields > 0) {
    // RFC 9112 6.1 and 6.3: chunked must be the final coding, or the length is unknown. We
    // accept no other coding at all, and never two framings at once.
    if (te_fields > 1 || !boost::beast::iequals(trim(head[bhttp::field::transfer_encoding]), "chunked"))
      return RequestProblem{"bad_request", "Transfer-Encoding must be exactly 'chunked'"};
    if (head.count(bhttp::field::content_length) > 0)
      return RequestProblem{"bad_request", "a request must not have both Transfer-Encoding and Content-Length"};
    if (head.version() < 11)
      return RequestProblem{"bad_request", "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  }
  const auto hosts = head.count(bhttp::field::host);
  if (hosts > 1) return RequestProblem{"bad_host", "more than one Host header"};
  if (hosts == 0) {
    if (head.version() >= 11) return RequestProblem{"bad_host", "an HTTP/1.1 request must have a Host header"};
    return std::nullopt;
  }
  if (!valid_host(head[bhttp::field::host])) return RequestProblem{"bad_host", "the Host header must be host[:port]"};
  return std::nullopt;
}

bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostBytes) return false;
  std::string_view name = host;
  std::string_view port;
  bool has_port = false;
  if (host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : host.substr(1, close - 1))
      if (!is_ipv6_char(c)) return false;
    auto rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      has_port = true;
      port = rest.substr(1);
    }
    return !has_port || valid_port(port);
  }
  if (auto colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    has_port = true;
  }
  if (name.empty() || name.front() == '.' || name.front() == '-') return false;
  for (char c : name)
    if (!is_name_char(c)) return false;
  return !has_port || valid_port(port);
}

}  // namespace swirl::http
