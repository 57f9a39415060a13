// libFuzzer target: the WebSocket opening handshake (ws/handshake.hpp) on any request head
// Beast accepts, and the comma-separated header lists it reads (http/header_tokens.hpp),
// checked against a plain restatement of RFC 9110's #element rule.

#include <string>
#include <vector>

#include <boost/beast/core/string.hpp>

#include "fuzz_support.hpp"
#include "swirl/http/header_tokens.hpp"
#include "swirl/ws/handshake.hpp"

using namespace swirl;
namespace bhttp = swirl::http::bhttp;

namespace {

// The list's non-empty elements, each trimmed of spaces and tabs: the model of header_tokens.
std::vector<std::string_view> elements(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto comma = value.find(',', start);
    std::string_view e = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
    while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
    if (!e.empty()) out.push_back(e);
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

void check_list(std::string_view value, std::string_view token) {
  bool expected = false;
  for (auto e : elements(value)) expected = expected || boost::beast::iequals(e, token);
  FUZZ_REQUIRE(http::has_list_token(value, token) == expected);
  auto all = elements(value);
  auto first = http::find_list_element(value, [](std::string_view) { return true; });
  FUZZ_REQUIRE(first.has_value() == !all.empty());
  if (first) FUZZ_REQUIRE(*first == all.front());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto req = fuzz::parse_request(fuzz::as_text(data, size));
  if (!req) return 0;
  check_list((*req)[bhttp::field::connection], "upgrade");
  check_list((*req)[bhttp::field::upgrade], "websocket");
  check_list((*req)[bhttp::field::sec_websocket_protocol], "swirl.v1");
  if (auto refusal = ws::check_handshake(*req)) {
    auto status = refusal->result();
    FUZZ_REQUIRE(status == http::Status::bad_request || status == http::Status::upgrade_required);
    FUZZ_REQUIRE(!refusal->body().empty());
    return 0;
  }
  // Accepted: what lobbies_api.cpp writes back.
  bool offered = ws::offers_subprotocol(*req, "swirl.v1");
  std::string response = ws::accept_response(*req, offered ? "swirl.v1" : "");
  FUZZ_REQUIRE(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
  FUZZ_REQUIRE(response.size() >= 4 && response.compare(response.size() - 4, 4, "\r\n\r\n") == 0);
  FUZZ_REQUIRE(response.find("\r\n\r\n") == response.size() - 4);  // nothing from the client splits it
  FUZZ_REQUIRE(ws::accept_key(http::trim_ows((*req)[bhttp::field::sec_websocket_key])).size() == 28);
  return 0;
}
