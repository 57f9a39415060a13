// Value parsers for the flag table: whole numbers within bounds, durations, booleans, strings
// and lists. Every error names the flag and the value it got.
#include <charconv>
#include <sstream>
#include <stdexcept>

#include "config_options.hpp"
#include "swirl/core/address_allowlist.hpp"

namespace swirl::core::config_detail {

unsigned long long parse_unsigned(const std::string& name, const std::string& value, unsigned long long min,
                                  unsigned long long max) {
  unsigned long long out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ptr != value.data() + value.size() || ec == std::errc::invalid_argument)
    throw std::invalid_argument(name + ": expected a whole number, got '" + value + "'");
  if (ec == std::errc::result_out_of_range || out < min || out > max)
    throw std::invalid_argument(name + ": " + value + " is out of range [" + std::to_string(min) + ", " +
                                std::to_string(max) + "]");
  return out;
}

Setter size_opt(std::size_t Config::*field, const char* name, unsigned long long min, unsigned long long max) {
  return [=](Config& c, const std::string& v) { c.*field = parse_unsigned(name, v, min, max); };
}

Setter uint_opt(unsigned Config::*field, const char* name, unsigned long long min, unsigned long long max) {
  return [=](Config& c, const std::string& v) { c.*field = static_cast<unsigned>(parse_unsigned(name, v, min, max)); };
}

Setter ms_opt(std::chrono::milliseconds Config::*field, const char* name, unsigned long long min,
              unsigned long long max) {
  return [=](Config& c, const std::string& v) {
    c.*field =
        std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(parse_unsigned(name, v, min, max)));
  };
}

Setter bool_opt(bool Config::*field, const char* name) {
  return [=](Config& c, const std::string& v) {
    if (v != "true" && v != "false" && v != "1" && v != "0")
      throw std::invalid_argument(std::string(name) + ": expected true or false, got '" + v + "'");
    c.*field = (v == "true" || v == "1");
  };
}

Setter string_opt(std::string Config::*field) {
  return [=](Config& c, const std::string& v) { c.*field = v; };
}

Setter string_opt(ice::IceConfig Config::*part, std::string ice::IceConfig::*field) {
  return [=](Config& c, const std::string& v) { c.*part.*field = v; };
}

Setter address_list_opt(std::vector<std::string> Config::*field, const char* name) {
  return [=](Config& c, const std::string& v) {
    auto list = split_list(v);
    try {
      AddressAllowlist::parse(list);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(name) + ": " + e.what());
    }
    c.*field = std::move(list);
  };
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(value);
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace swirl::core::config_detail
