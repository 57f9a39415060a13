#include "swirl/ice/ice_provider.hpp"

#include <nlohmann/json.hpp>

#include "swirl/ice/cloudflare_provider.hpp"
#include "swirl/ice/turn_rest_provider.hpp"

namespace swirl::ice {

std::string servers_json(const std::vector<IceServer>& servers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : servers) {
    nlohmann::json one = {{"urls", s.urls}};
    if (!s.username.empty() || !s.credential.empty()) {
      one["username"] = s.username;
      one["credential"] = s.credential;
    }
    out.push_back(std::move(one));
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::shared_ptr<IceProvider> make_provider(const IceConfig& config, BlockingRunner run_blocking) {
  if (config.provider == ProviderKind::cloudflare)
    return std::make_shared<CloudflareProvider>(config, std::move(run_blocking));
  return std::make_shared<TurnRestProvider>(config);
}

}  // namespace swirl::ice
