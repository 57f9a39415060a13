#include "swirl/cluster/placement.hpp"

#include "swirl/http/types.hpp"

namespace swirl::cluster {
namespace {

[[noreturn]] void elsewhere(std::chrono::seconds retry_after) {
  throw http::RetryLater(http::Status::service_unavailable, "lobby_elsewhere",
                         "the lobby runs on another server right now; try again shortly", retry_after);
}

}  // namespace

void refuse_if_elsewhere(const LeaseKeeper* keeper, const std::string& lobby_id) {
  if (!keeper) return;
  if (auto retry = keeper->elsewhere(lobby_id)) elsewhere(*retry);
}

boost::asio::awaitable<void> refuse_if_held_elsewhere(LeaseKeeper* keeper, std::string lobby_id) {
  if (!keeper) co_return;
  if (auto retry = co_await keeper->held_elsewhere(std::move(lobby_id))) elsewhere(*retry);
}

}  // namespace swirl::cluster
