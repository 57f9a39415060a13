// libFuzzer target: configuration parsing (core/config.hpp parse_config), flags and SWIRL_*
// environment variables, including the database URL, address allow-lists and ICE settings.
// The input is lines: "SWIRL_NAME=value" lines go to the environment, all others are argv.
// Every input ends in a config, help/version text, or a one-line error with exit code 2;
// nothing else may escape (an exception other than invalid_argument would end the server
// with a stack trace instead of a message).

#include <map>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "swirl/core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = swirl::fuzz::as_text(data, size);
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    std::string line(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    start = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    // The *-file options read the file they name: a fuzzer must not open /dev/zero or the like.
    if (line.find("file") != std::string::npos || line.find("FILE") != std::string::npos) continue;
    auto eq = line.find('=');
    if (line.rfind("SWIRL_", 0) == 0 && eq != std::string::npos)
      env[line.substr(0, eq)] = line.substr(eq + 1);
    else
      args.push_back(line);
  }

  auto result = swirl::core::parse_config(args, env);
  if (!result.config) {
    FUZZ_REQUIRE(!result.message.empty() && result.message.back() == '\n');
    FUZZ_REQUIRE(result.exit_code == 0 || result.exit_code == 2);
    return 0;
  }
  FUZZ_REQUIRE(result.exit_code == 0);
  const auto& c = *result.config;
  const std::string& url = c.database_url;
  FUZZ_REQUIRE(url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0 || url.rfind("sqlite:", 0) == 0);
  FUZZ_REQUIRE(c.ws_max_frame_bytes > 0 && c.ws_queue_max_messages > 0);
  return 0;
}
