// libFuzzer target: an HTTP request as the server reads it (http/http_server.cpp): the end of
// the head, the raw-head check (obs-fold), Beast's parser with the server's limits, the strict
// head checks (Transfer-Encoding, Content-Length, Host), the path split and the API's JSON body
// parsing (http/types.hpp parse_json_object).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "swirl/http/request_checks.hpp"
#include "swirl/http/router.hpp"
#include "swirl/http/types.hpp"

using namespace swirl;

namespace {

void check_body(const http::Request& req) {
  nlohmann::json expected = nlohmann::json::parse(req.body(), nullptr, false);
  try {
    nlohmann::json j = http::parse_json_object(req);
    FUZZ_REQUIRE(j.is_object() && j == expected);
  } catch (const http::ApiError& e) {
    // Every refusal is a 400 invalid_json with a message; an object is never refused.
    FUZZ_REQUIRE(e.status() == http::Status::bad_request && e.code() == "invalid_json" && *e.what() != '\0');
    FUZZ_REQUIRE(req.body().empty() || expected.is_discarded() || !expected.is_object());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = fuzz::as_text(data, size);
  auto head_end = http::find_head_end(bytes);
  if (!head_end) return 0;  // the server waits for more (up to its header limit and timeout)
  FUZZ_REQUIRE(*head_end >= 4 && *head_end <= bytes.size() && bytes.substr(*head_end - 4, 4) == "\r\n\r\n");
  if (auto problem = http::check_raw_head(bytes.substr(0, *head_end))) {
    FUZZ_REQUIRE(problem->code == "bad_request" && !problem->message.empty());
    return 0;
  }
  auto req = fuzz::parse_request(bytes);
  if (!req) return 0;  // Beast refused it: the server answers 400
  if (auto problem = http::check_head(req->base())) {
    FUZZ_REQUIRE(!problem->code.empty() && !problem->message.empty());
    return 0;
  }
  // A request that passed has exactly one valid Host in HTTP/1.1.
  if (req->version() >= 11) FUZZ_REQUIRE(http::valid_host((*req)[http::bhttp::field::host]));
  std::vector<std::string> segments;
  (void)http::split_path(req->target(), segments);
  check_body(*req);
  return 0;
}
