// Parsing the command line and the environment into a Config, and --help. The flag table is
// config_options.cpp, its value parsers config_values.cpp, the checks across flags
// config_checks.cpp.
#include "swirl/core/config.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "config_options.hpp"

extern char** environ;

namespace swirl::core {

using config_detail::env_name;
using config_detail::Option;
using config_detail::options;

std::string config_help() {
  std::ostringstream out;
  out << "Usage: swirl-server [OPTIONS]\n\n"
         "Swirl signaling and web server. Every option can also be set through the environment\n"
         "variable shown; a flag given on the command line wins over the environment.\n\n"
         "Options:\n";
  for (const auto& o : options()) {
    std::string left = std::string("  --") + o.flag + "=" + o.value_name;
    out << left << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << o.help << "\n"
        << std::string(34, ' ') << "env: " << env_name(o.flag) << "\n";
  }
  out << "  --migrate-only                  apply database migrations and exit\n"
         "  --version                       print the version and exit\n"
         "  --help                          print this help and exit\n";
  return out.str();
}

std::map<std::string, std::string> environment_map() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos && kv.rfind("SWIRL_", 0) == 0) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

ConfigResult parse_config(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  ConfigResult result;
  Config cfg;
  try {
    for (const auto& o : options()) {
      auto it = env.find(env_name(o.flag));
      if (it != env.end()) o.set(cfg, it->second);
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--help" || a == "-h") {
        result.message = config_help();
        return result;
      }
      if (a == "--version") {
        result.message = std::string("swirl-server ") + SWIRL_VERSION + "\n";
        return result;
      }
      if (a == "--migrate-only") {
        result.migrate_only = true;
        continue;
      }
      if (a.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + a + "'");
      std::string name = a.substr(2), value;
      auto eq = name.find('=');
      bool has_value = eq != std::string::npos;
      if (has_value) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      auto opt = std::find_if(options().begin(), options().end(), [&](const Option& o) { return name == o.flag; });
      if (opt == options().end()) throw std::invalid_argument("unknown option '--" + name + "' (see --help)");
      if (!has_value) {
        if (i + 1 >= args.size()) throw std::invalid_argument("--" + name + " needs a value");
        value = args[++i];
      }
      opt->set(cfg, value);
    }
    config_detail::check_flag_relations(cfg);
  } catch (const std::invalid_argument& e) {
    result.message = std::string("swirl-server: ") + e.what() + "\n";
    result.exit_code = 2;
    return result;
  }
  result.config = cfg;
  return result;
}

}  // namespace swirl::core
