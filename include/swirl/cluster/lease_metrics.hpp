#pragma once
// The lease families of /metrics (multi-node mode; docs/operations.md lists them).

#include "swirl/cluster/lease_keeper.hpp"
#include "swirl/core/metrics.hpp"

namespace swirl::cluster {

void render_lease_metrics(core::PrometheusWriter& w, const LeaseKeeper& keeper);

}  // namespace swirl::cluster
