// libFuzzer target: the router's path decoding (http/router.hpp split_path). A decoded path,
// percent-encoded again byte by byte, decodes to the same segments.

#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "swirl/http/router.hpp"

namespace {

std::string encode(const std::vector<std::string>& segments) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    for (unsigned char c : s) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  // A last empty segment is written as a trailing "//" ("/a//" is {"a", ""}; "/a/" is {"a"}).
  if (segments.empty() || segments.back().empty()) out += '/';
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view target = swirl::fuzz::as_text(data, size);
  std::vector<std::string> segments;
  bool ok = swirl::http::split_path(target, segments);
  if (!ok) {
    FUZZ_REQUIRE(segments.empty() || target.find('%') != std::string_view::npos);
    return 0;
  }
  FUZZ_REQUIRE(!target.empty() && target.front() == '/');
  std::vector<std::string> again;
  FUZZ_REQUIRE(swirl::http::split_path(encode(segments), again));
  FUZZ_REQUIRE(again == segments);
  return 0;
}
