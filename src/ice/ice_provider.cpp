#include "swirl/ice/ice_provider.hpp"

#include "swirl/ice/cloudflare_provider.hpp"
#include "swirl/ice/turn_rest_provider.hpp"

namespace swirl::ice {

std::shared_ptr<IceProvider> make_provider(const IceConfig& config, BlockingRunner run_blocking) {
  if (config.provider == ProviderKind::cloudflare)
    return std::make_shared<CloudflareProvider>(config, std::move(run_blocking));
  return std::make_shared<TurnRestProvider>(config);
}

}  // namespace swirl::ice
