#include "swirl/storage/migrations.hpp"

#include <map>
#include <stdexcept>

namespace swirl::storage {

std::vector<Migration> migrations_for(const std::string& backend) {
  std::map<int, Migration> generic, specific;
  for (const auto& f : embedded_migration_files()) {
    std::string name = f.name;
    auto underscore = name.find('_');
    if (underscore == std::string::npos || underscore == 0)
      throw std::logic_error("migration file name must start with NNNN_: " + name);
    int version = std::stoi(name.substr(0, underscore));
    std::string stem = name.substr(0, name.size() - 4);  // drop .sql
    auto dot = stem.rfind('.');
    if (dot == std::string::npos) {
      generic[version] = Migration{version, stem, f.contents};
    } else if (stem.substr(dot + 1) == backend) {
      specific[version] = Migration{version, stem.substr(0, dot), f.contents};
    }
  }
  for (auto& [v, m] : specific) generic[v] = m;
  std::vector<Migration> out;
  for (auto& [v, m] : generic) out.push_back(m);
  return out;
}

}  // namespace swirl::storage
