#include "swirl/core/origin.hpp"

#include <cctype>

namespace swirl::core {

std::optional<std::string> normalize_origin(std::string_view origin) {
  std::string o;
  for (char c : origin) o += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!o.empty() && o.back() == '/') o.pop_back();
  auto sep = o.find("://");
  if (sep == std::string::npos || sep == 0 || sep + 3 >= o.size()) return std::nullopt;
  for (std::size_t i = 0; i < sep; ++i)
    if (!std::isalnum(static_cast<unsigned char>(o[i])) && o[i] != '+' && o[i] != '-' && o[i] != '.')
      return std::nullopt;
  if (o.find_first_of("/?#@ ", sep + 3) != std::string::npos) return std::nullopt;
  return o;
}

}  // namespace swirl::core
