#include "swirl/http/origin_policy.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "swirl/core/origin.hpp"

namespace swirl::http {

OriginPolicy::OriginPolicy(const std::vector<std::string>& allowed, const std::string& public_url) {
  for (const auto& a : allowed) {
    if (a == "*") {
      any_ = true;
      continue;
    }
    auto n = core::normalize_origin(a);
    if (!n) throw std::invalid_argument("'" + a + "' is not an origin such as https://swirl.example.org");
    allowed_.push_back(*n);
  }
  if (allowed.empty() && !public_url.empty()) {
    // The origin part of the public URL (which may carry a path).
    auto sep = public_url.find("://");
    auto path = sep == std::string::npos ? std::string::npos : public_url.find('/', sep + 3);
    if (auto n = core::normalize_origin(public_url.substr(0, path))) allowed_.push_back(*n);
  }
  same_host_ = allowed.empty();
}

bool OriginPolicy::allows(const Request& req) const {
  auto it = req.find(bhttp::field::origin);
  if (it == req.end()) return true;
  if (any_) return true;
  auto origin = core::normalize_origin(it->value());
  if (!origin) return false;  // "null" and garbage
  if (std::find(allowed_.begin(), allowed_.end(), *origin) != allowed_.end()) return true;
  if (!same_host_) return false;
  std::string host;
  for (char c : req[bhttp::field::host]) host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !host.empty() && (*origin == "http://" + host || *origin == "https://" + host);
}

std::string OriginPolicy::describe() const {
  if (any_) return "any origin";
  std::string out = same_host_ ? "this server's own origin" : "";
  for (const auto& a : allowed_) out += (out.empty() ? "" : ", ") + a;
  return out;
}

}  // namespace swirl::http
