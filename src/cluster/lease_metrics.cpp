#include "swirl/cluster/lease_metrics.hpp"

namespace swirl::cluster {

void render_lease_metrics(core::PrometheusWriter& w, const LeaseKeeper& keeper) {
  const auto& s = keeper.stats();
  auto d = [](const std::atomic<std::uint64_t>& v) { return static_cast<double>(v.load()); };
  w.family("swirl_lease_held", "gauge", "lobby leases this node holds now (one per lobby it runs)");
  w.sample("swirl_lease_held", d(s.held), {{"node", keeper.node_id()}});
  w.family("swirl_lease_acquired_total", "counter", "lobby leases taken by this node");
  w.sample("swirl_lease_acquired_total", d(s.acquired));
  w.family("swirl_lease_refused_total", "counter",
           "lobby starts refused because another live node held the lease (answered 503 lobby_elsewhere)");
  w.sample("swirl_lease_refused_total", d(s.refused));
  w.family("swirl_lease_lost_total", "counter", "lobbies stopped here because their lease was lost (closed with 4005)");
  w.sample("swirl_lease_lost_total", d(s.lost_expired), {{"reason", "not_renewed"}});
  w.sample("swirl_lease_lost_total", d(s.lost_taken), {{"reason", "taken"}});
  w.family("swirl_lease_renew_failures_total", "counter", "lease renewals that failed (database unreachable or slow)");
  w.sample("swirl_lease_renew_failures_total", d(s.renew_failures));
  w.family("swirl_lease_released_total", "counter", "leases given back when a lobby stopped here");
  w.sample("swirl_lease_released_total", d(s.released));
}

}  // namespace swirl::cluster
