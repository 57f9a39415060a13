#pragma once
// Operations endpoints for whoever runs Swirl (a container runtime, a load balancer,
// Prometheus):
//   GET /healthz  200 while the process serves HTTP at all (liveness; touches nothing else)
//   GET /readyz   200 when it should get traffic: not draining, the database answers, and every
//                 migration this binary knows is applied; 503 with the reason otherwise
//   GET /metrics  Prometheus text format, only for the addresses in --metrics-allow (403 else)

#include <atomic>
#include <functional>

#include "swirl/api/lobbies_api.hpp"
#include "swirl/api/services.hpp"
#include "swirl/core/address_allowlist.hpp"
#include "swirl/http/router.hpp"

namespace swirl::api {

struct OpsServices {
  LobbyServices& lobbies;
  const std::atomic<bool>& draining;            // set by App::stop: /readyz fails from then on
  std::function<std::size_t()> http_in_flight;  // requests being handled now
  core::AddressAllowlist metrics_allow;
};

void register_ops_routes(http::Router& router, OpsServices& ops);

// The /metrics body (tests call it directly).
std::string render_metrics(const OpsServices& ops);

}  // namespace swirl::api
