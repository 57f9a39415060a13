#pragma once
// Shared by the libFuzzer targets in tests/fuzz/: an invariant check that crashes (so libFuzzer
// saves the input) and a raw HTTP request parsed the way the server's reader parses it.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <boost/beast/http.hpp>

#include "swirl/http/types.hpp"

// A broken invariant is a finding: print where and abort, which libFuzzer reports as a crash.
#define FUZZ_REQUIRE(cond)                                                                     \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "fuzz invariant failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace swirl::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The limits of the server's request reader (core/config.hpp defaults; http_server.cpp sets
// them on its parser the same way).
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr std::uint64_t kMaxBodyBytes = 64 * 1024;

// `bytes` through Beast's request parser with the server's limits: the request when its head
// (and its body, if any) parsed completely, nullopt otherwise.
inline std::optional<http::Request> parse_request(std::string_view bytes) {
  boost::beast::http::request_parser<boost::beast::http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxBodyBytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  (void)used;
  if (ec || !parser.is_header_done()) return std::nullopt;
  return parser.release();
}

}  // namespace swirl::fuzz
