#include "swirl/http/header_tokens.hpp"

#include <boost/beast/core/string.hpp>

namespace swirl::http {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_list_token(std::string_view value, std::string_view token) {
  return find_list_element(value, [token](std::string_view e) { return boost::beast::iequals(e, token); }).has_value();
}

}  // namespace swirl::http
