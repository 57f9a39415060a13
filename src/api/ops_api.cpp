#include "swirl/api/ops_api.hpp"

#include <algorithm>

#include "swirl/cluster/lease_metrics.hpp"
#include "swirl/core/metrics.hpp"
#include "swirl/lobby/call_events.hpp"
#include "swirl/storage/migrations.hpp"

namespace swirl::api {
namespace asio = boost::asio;
using http::Status;

namespace {

struct Readiness {
  bool ready = false;
  http::Json body;
};

asio::awaitable<Readiness> check_readiness(OpsServices& ops) {
  Readiness r;
  if (ops.draining.load()) {
    r.body = {{"status", "draining"}};
    co_return r;
  }
  auto& db = ops.lobbies.base.db;
  std::vector<int> applied;
  try {
    applied = co_await ops.lobbies.base.pool.run([&db] { return db.applied_migrations(); });
  } catch (const std::exception& e) {
    r.body = {{"status", "not_ready"}, {"database", e.what()}};
    co_return r;
  }
  std::vector<int> pending;
  for (const auto& m : storage::migrations_for(db.backend()))
    if (std::find(applied.begin(), applied.end(), m.version) == applied.end()) pending.push_back(m.version);
  if (!pending.empty()) {
    r.body = {{"status", "not_ready"}, {"database", "ok"}, {"pending_migrations", pending}};
    co_return r;
  }
  r.ready = true;
  r.body = {{"status", "ready"}, {"database", "ok"}, {"migrations", applied.size()}};
  co_return r;
}

void counter(core::PrometheusWriter& w, const char* name, const char* help, double value) {
  w.family(name, "counter", help);
  w.sample(name, value);
}

void gauge(core::PrometheusWriter& w, const char* name, const char* help, double value) {
  w.family(name, "gauge", help);
  w.sample(name, value);
}

}  // namespace

std::string render_metrics(const OpsServices& ops) {
  const auto& m = core::metrics();
  const auto& ws = ops.lobbies.ws_counters;
  const auto& lc = ops.lobbies.supervisor->counters();
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  core::PrometheusWriter w;

  gauge(w, "swirl_websocket_connections", "WebSocket connections open now", d(ws.open.load()));
  counter(w, "swirl_websocket_connections_accepted_total", "WebSocket connections accepted", d(ws.accepted.load()));
  gauge(w, "swirl_http_requests_in_flight", "HTTP requests being handled now", d(ops.http_in_flight()));
  gauge(w, "swirl_lobbies_live", "lobbies with a running actor", d(ops.lobbies.supervisor->live_lobbies()));
  if (const auto* lease = ops.lobbies.supervisor->lease_keeper()) cluster::render_lease_metrics(w, *lease);
  gauge(w, "swirl_lobby_members", "members of live lobbies, connected or within their resume grace",
        static_cast<double>(m.lobby_members.value()));
  gauge(w, "swirl_lobby_ready_members", "members ready and waiting for a match",
        static_cast<double>(m.ready_members.value()));
  counter(w, "swirl_matches_made_total", "matches made", d(lc.matches_made.load()));
  counter(w, "swirl_repeats_avoided_total",
          "ready members left waiting in a matching round although someone they had met was free",
          d(m.repeats_avoided.value()));
  counter(w, "swirl_signals_relayed_total", "signal messages relayed between match peers",
          d(lc.signals_relayed.load()));
  counter(w, "swirl_resumes_total", "joins that took over a member's place (after a drop, or from another tab)",
          d(m.resumes.value()));
  counter(w, "swirl_lobby_crashes_total", "lobbies ended by an internal error", d(lc.lobbies_failed.load()));
  counter(w, "swirl_slow_client_closes_total", "WebSockets closed because their outgoing queue overflowed (1008)",
          d(ws.closed_too_slow.load()));
  counter(w, "swirl_rate_limit_hits_total", "WebSockets closed for sending faster than the rate limit",
          d(ws.closed_rate_limit.load()));
  w.family("swirl_client_call_events_total", "counter",
           "call_event reports from clients, by kind (stall, ice_restart, ...)");
  for (std::size_t i = 0; i < lobby::call_event_kinds; ++i) {
    auto kind = static_cast<lobby::CallEvent>(i);
    w.sample("swirl_client_call_events_total", d(lc.call_events[kind]),
             {{"kind", std::string(lobby::to_string(kind))}});
  }
  const auto abuse = ops.lobbies.base.abuse.stats();
  w.family("swirl_abuse_refusals_total", "counter",
           "requests and WebSocket upgrades refused by the abuse limits, by limit (docs/security.md)");
  for (std::size_t i = 0; i < http::kLimitKinds; ++i)
    w.sample("swirl_abuse_refusals_total", d(abuse.limited[i]),
             {{"limit", http::to_string(static_cast<http::LimitKind>(i))}});
  w.sample("swirl_abuse_refusals_total", d(abuse.ws_per_address), {{"limit", "websockets_per_address"}});
  w.sample("swirl_abuse_refusals_total", d(abuse.ws_total), {{"limit", "websockets_total"}});
  w.sample("swirl_abuse_refusals_total", d(abuse.origin), {{"limit", "websocket_origin"}});
  gauge(w, "swirl_abuse_tracked_addresses", "client addresses the abuse limits remember now", d(abuse.tracked));
  counter(w, "swirl_abuse_addresses_evicted_total",
          "addresses forgotten early because the table was full (--rate-limit-max-addresses)", d(abuse.evicted));
  counter(w, "swirl_readyz_failures_total", "/readyz answers other than 200", d(m.readyz_failures.value()));

  const auto routes = m.http.snapshot();
  w.family("swirl_http_requests_total", "counter", "HTTP requests answered, by route pattern and status");
  for (const auto& [route, r] : routes)
    for (const auto& [status, n] : r.by_status)
      w.sample("swirl_http_requests_total", d(n), {{"route", route}, {"status", std::to_string(status)}});
  w.family("swirl_http_request_duration_seconds", "histogram",
           "time from a request's dispatch to its response, by route");
  for (const auto& [route, r] : routes)
    w.histogram("swirl_http_request_duration_seconds", r.latency, {{"route", route}});
  w.family("swirl_db_call_duration_seconds", "histogram", "time one database call held its connection");
  w.histogram("swirl_db_call_duration_seconds", m.db_call.snapshot());
  return w.text();
}

void register_ops_routes(http::Router& router, OpsServices& ops) {
  router.add(http::bhttp::verb::get, "/healthz", [](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    co_return http::json_response(ctx.request, Status::ok, {{"status", "alive"}, {"version", SWIRL_VERSION}});
  });

  router.add(http::bhttp::verb::get, "/readyz", [&ops](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    Readiness r = co_await check_readiness(ops);
    if (!r.ready) core::metrics().readyz_failures.inc();
    auto res = http::json_response(ctx.request, r.ready ? Status::ok : Status::service_unavailable, r.body);
    res.set(http::bhttp::field::cache_control, "no-store");
    co_return res;
  });

  router.add(http::bhttp::verb::get, "/metrics", [&ops](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    if (!ops.metrics_allow.allows(ctx.remote_address))
      throw http::ApiError(Status::forbidden, "forbidden",
                           "/metrics is not open to this address (see --metrics-allow)");
    http::Response res{Status::ok, ctx.request.version()};
    res.set(http::bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.set(http::bhttp::field::cache_control, "no-store");
    res.keep_alive(ctx.request.keep_alive());
    res.body() = render_metrics(ops);
    res.prepare_payload();
    co_return res;
  });
}

}  // namespace swirl::api
