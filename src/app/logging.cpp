#include "swirl/app/logging.hpp"

#include <cstdio>
#include <ctime>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "swirl/json/escape.hpp"

namespace swirl {
namespace {

void append(spdlog::memory_buf_t& dest, std::string_view s) { dest.append(s.data(), s.data() + s.size()); }

// Log lines go through the one JSON escaper (json/escape.hpp): invalid UTF-8 in a message
// becomes U+FFFD, so every line stays valid JSON.
void append_json_string(spdlog::memory_buf_t& dest, std::string_view s) {
  std::string quoted;
  quoted.reserve(json::quoted_size(s));
  json::append_quoted(quoted, s);
  append(dest, quoted);
}

bool is_context_key(std::string_view key) {
  for (auto k : kLogContextKeys)
    if (k == key) return true;
  return false;
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  auto since = msg.time.time_since_epoch();
  auto secs = duration_cast<seconds>(since);
  auto ms = duration_cast<milliseconds>(since - secs).count();
  std::time_t t = secs.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char time_buf[40];
  std::snprintf(time_buf, sizeof time_buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  append(dest, R"({"time":")");
  append(dest, time_buf);
  append(dest, R"(","level":)");
  auto level = spdlog::level::to_string_view(msg.level);
  append_json_string(dest, std::string_view(level.data(), level.size()));

  std::string_view text(msg.payload.data(), msg.payload.size());
  // Leading key=value words of the known keys become fields.
  for (;;) {
    auto space = text.find(' ');
    std::string_view word = text.substr(0, space);
    auto eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == word.size() || !is_context_key(word.substr(0, eq))) break;
    dest.push_back(',');
    append_json_string(dest, word.substr(0, eq));
    dest.push_back(':');
    append_json_string(dest, word.substr(eq + 1));
    if (space == std::string_view::npos) {
      text = {};
      break;
    }
    text.remove_prefix(space + 1);
  }
  append(dest, R"(,"msg":)");
  append_json_string(dest, text);
  append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const { return std::make_unique<JsonLogFormatter>(); }

void setup_logging(const core::Config& config) {
  auto logger = spdlog::stderr_color_mt("swirl");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (config.log_format == "json")
    spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
  else
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v", spdlog::pattern_time_type::utc);
}

}  // namespace swirl
