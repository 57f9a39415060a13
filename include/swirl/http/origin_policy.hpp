#pragma once
// Which pages may open a lobby WebSocket (issue 17): without it, any site a member visits could
// open one with the member's stored token... if it had the token; it also stops other sites
// from using a visitor's browser as a client of ours. Browsers always send Origin on a
// WebSocket handshake; programs (tests, bots, the load generator) usually do not.
//
//   * no Origin header: allowed (not a browser; it could send any Origin it liked anyway);
//   * with --allowed-origins: the origin must be one of them ("*" allows any);
//   * without it (the default): the origin must be the request's own Host (http or https),
//     or the origin of --public-url when that is set.
// Comparison ignores case and a trailing slash; "null" (sandboxed frames, files) matches only "*".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swirl/http/types.hpp"

namespace swirl::http {

class OriginPolicy {
 public:
  OriginPolicy() = default;
  // Throws std::invalid_argument for an entry that is not scheme://host[:port] or "*".
  OriginPolicy(const std::vector<std::string>& allowed, const std::string& public_url);

  bool allows(const Request& req) const;
  // For the refusal message: what is allowed.
  std::string describe() const;

 private:
  std::vector<std::string> allowed_;  // normalized origins
  bool any_ = false;
  bool same_host_ = true;  // no list given: the request's own Host is allowed
};

}  // namespace swirl::http
