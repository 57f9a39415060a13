#pragma once
// The retryable answer for a lobby that runs on another node (multi-node mode, docs/scaling.md):
// 503 lobby_elsewhere with Retry-After, the seconds until that node's lease can move. The
// request handlers call these; with no lease keeper (single node) they never refuse.

#include <string>

#include <boost/asio/awaitable.hpp>

#include "swirl/cluster/lease_keeper.hpp"

namespace swirl::cluster {

// After a spawn did not start the lobby here: throws http::RetryLater when the lease keeper
// found it held by another node.
void refuse_if_elsewhere(const LeaseKeeper* keeper, const std::string& lobby_id);

// For a lobby with no actor here (owner endpoints): asks the database whether another live node
// holds it, and throws http::RetryLater if so, so its live copy is the one that changes.
boost::asio::awaitable<void> refuse_if_held_elsewhere(LeaseKeeper* keeper, std::string lobby_id);

}  // namespace swirl::cluster
