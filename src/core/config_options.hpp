#pragma once
// The flag table behind parse_config and --help, and the value parsers its entries use. Private
// to src/core/config*.cpp: the table (config_options.cpp), the value parsers
// (config_values.cpp), the checks across flags (config_checks.cpp) and parsing
// (config.cpp) each have a file of their own.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "swirl/core/config.hpp"

namespace swirl::core::config_detail {

using Setter = std::function<void(Config&, const std::string&)>;

// One option: --flag=VALUE, or the environment variable SWIRL_FLAG ('-' -> '_', upper case).
struct Option {
  const char* flag;
  const char* value_name;
  const char* help;
  Setter set;
};

// Every option, in --help order (config_options.cpp).
const std::vector<Option>& options();

// SWIRL_ plus the flag in upper case with '-' -> '_'.
std::string env_name(const char* flag);

// The longest duration any millisecond flag accepts unless it names its own bounds: 7 days.
inline constexpr unsigned long long kMaxMs = 7ULL * 86'400'000ULL;

// A whole number in [min, max]; anything else throws std::invalid_argument naming `name` (the
// flag, with its dashes), the value given and the range.
unsigned long long parse_unsigned(const std::string& name, const std::string& value, unsigned long long min,
                                  unsigned long long max);

// Setters for one field, each checking the value as parse_unsigned does (bool_opt: true, false,
// 1 or 0).
Setter size_opt(std::size_t Config::*field, const char* name, unsigned long long min, unsigned long long max);
Setter uint_opt(unsigned Config::*field, const char* name, unsigned long long min, unsigned long long max);
Setter ms_opt(std::chrono::milliseconds Config::*field, const char* name, unsigned long long min = 1,
              unsigned long long max = kMaxMs);
Setter bool_opt(bool Config::*field, const char* name);
Setter string_opt(std::string Config::*field);
Setter string_opt(ice::IceConfig Config::*part, std::string ice::IceConfig::*field);
// A comma-separated list of addresses and CIDR networks (core/address_allowlist.hpp).
Setter address_list_opt(std::vector<std::string> Config::*field, const char* name);

// Splits a comma-separated list, trimming blanks around items and dropping empty ones.
std::vector<std::string> split_list(const std::string& value);

// A node id as the lease table takes it: at most 64 of A-Z a-z 0-9 . _ - (empty = the default,
// <host name>-<pid>).
bool valid_node_id(const std::string& id);

// The checks that involve more than one flag, run once every flag is read (config_checks.cpp;
// throws std::invalid_argument naming the flags).
void check_flag_relations(Config& config);

}  // namespace swirl::core::config_detail
