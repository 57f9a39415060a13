#include "scenarios.hpp"

#include <cstdio>
#include <cstdlib>

#include "client_util.hpp"
#include "pair_cycle.hpp"

namespace bench {

// --- idle hold ----------------------------------------------------------------------------------

void idle_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  auto target = params.at("target").get<std::string>();
  auto marker = joined_marker(target);
  auto concurrency = params.value("concurrency", 200);
  std::vector<ClientPtr> clients;
  Signal signal(io);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::size_t step_no = 0;
        for (const auto& step_specs : params.at("steps")) {
          auto specs = specs_of(step_specs);
          std::size_t joined = 0, failed = 0;
          std::vector<std::int64_t> latencies;
          auto t0 = now_ns();
          co_await for_each_limited(specs.size(), concurrency, [&](std::size_t i) -> asio::awaitable<void> {
            auto c = std::make_shared<WsClient>(io);
            auto started = now_ns();
            auto ec = co_await c->open(port, specs[i]);
            if (ec) {
              ++failed;
              signal.notify();
              co_return;
            }
            clients.push_back(c);
            c->start_reading([&, started, seen = false](WsClient&, std::string_view msg) mutable {
              if (!seen && has_type(msg, marker)) {
                seen = true;
                latencies.push_back(now_ns() - started);
                ++joined;
                signal.notify();
              }
            });
          });
          co_await signal.until([&] { return joined + failed >= specs.size(); },
                                Clock::now() + std::chrono::seconds(120));
          double elapsed = static_cast<double>(now_ns() - t0) / 1e9;
          ch.report({{"phase", "joined"},
                     {"step", step_no++},
                     {"joined", joined},
                     {"failed", failed},
                     {"elapsed_s", elapsed},
                     {"latency", percentiles_ms(latencies)}});
          json cmd = co_await ch.wait_command();
          if (cmd.value("cmd", "") == "stop") break;
        }
        io.stop();
      },
      asio::detached);
  io.run_for(std::chrono::minutes(10));
}

// --- join storm -----------------------------------------------------------------------------------

void storm_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  auto specs = specs_of(params.at("specs"));
  auto concurrency = params.value("concurrency", 500);
  std::vector<ClientPtr> clients;
  std::size_t joined = 0, matched = 0, failed = 0;
  std::int64_t last_join = 0, last_match = 0;
  std::vector<std::int64_t> match_latency;
  Signal signal(io);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        ch.report({{"phase", "armed"}});
        co_await ch.wait_command();
        auto t0 = now_ns();
        co_await for_each_limited(specs.size(), concurrency, [&](std::size_t i) -> asio::awaitable<void> {
          auto c = std::make_shared<WsClient>(io);
          auto started = now_ns();
          auto ec = co_await c->open(port, specs[i]);
          if (ec) {
            ++failed;
            signal.notify();
            co_return;
          }
          clients.push_back(c);
          c->start_reading([&, started](WsClient& self, std::string_view msg) {
            if (has_type(msg, "\"type\":\"welcome\"")) {
              ++joined;
              last_join = now_ns();
              self.send(R"({"type":"ready","ready":true})");
            } else if (has_type(msg, "\"type\":\"match\"")) {
              ++matched;
              last_match = now_ns();
              match_latency.push_back(last_match - started);
              signal.notify();
            }
          });
        });
        co_await signal.until([&] { return matched + failed >= specs.size(); },
                              Clock::now() + std::chrono::seconds(120));
        ch.report({{"phase", "done"},
                   {"t0_ns", t0},
                   {"last_join_ns", last_join},
                   {"last_match_ns", last_match},
                   {"joined", joined},
                   {"matched", matched},
                   {"failed", failed},
                   {"connect_to_match", percentiles_ms(match_latency)}});
        co_await ch.wait_command();
        io.stop();
      },
      asio::detached);
  io.run_for(std::chrono::minutes(5));
}

// --- churn ----------------------------------------------------------------------------------------

void churn_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  const auto& cycles = params.at("cycles");       // [{a: spec, b: spec}]
  double rate = params.at("rate").get<double>();  // pairs per second
  PairCycle how;
  how.target = params.at("target").get<std::string>();
  // join_only: connect → join (welcome) → close, the connection cost alone (no ready, no match).
  how.match = !params.value("join_only", false);
  std::size_t completed = 0, failed = 0, running = 0;
  std::vector<std::int64_t> cycle_latency;
  json failures = json::object();
  Signal all_done(io);

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        ch.report({{"phase", "armed"}});
        co_await ch.wait_command();
        auto t0 = Clock::now();
        auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
        asio::steady_timer timer(io);
        for (std::size_t i = 0; i < cycles.size(); ++i) {
          timer.expires_at(t0 + interval * i);
          co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          ++running;
          asio::co_spawn(io, run_pair_cycle(io, port, cycles[i], how),
                         [&, started = now_ns()](std::exception_ptr e, std::string stage) {
                           if (e) stage = "exception";
                           if (stage.empty()) {
                             ++completed;
                             cycle_latency.push_back(now_ns() - started);
                           } else {
                             ++failed;
                             failures[stage] = failures.value(stage, 0) + 1;
                           }
                           --running;
                           all_done.notify();
                         });
        }
        co_await all_done.until([&] { return running == 0; }, Clock::now() + std::chrono::seconds(15));
        double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
        ch.report({{"phase", "done"},
                   {"pairs_completed", completed},
                   {"pairs_failed", failed},
                   {"elapsed_s", elapsed},
                   {"cycle", percentiles_ms(cycle_latency)},
                   {"failures", failures}});
        co_await ch.wait_command();
        io.stop();
      },
      asio::detached);
  io.run_for(std::chrono::minutes(5));
}

// --- lobby fan-out --------------------------------------------------------------------------------

void fanout_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  auto specs = specs_of(params.at("specs"));
  bool toggler = params.value("toggler", false);
  std::vector<ClientPtr> clients;
  std::size_t joined = 0, failed = 0;
  bool measuring = false;
  std::uint64_t status_frames = 0, status_bytes = 0, other_frames = 0;
  Signal signal(io);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await for_each_limited(specs.size(), 200, [&](std::size_t i) -> asio::awaitable<void> {
          auto c = std::make_shared<WsClient>(io);
          if (co_await c->open(port, specs[i])) {
            ++failed;
            signal.notify();
            co_return;
          }
          clients.push_back(c);
          c->start_reading([&](WsClient&, std::string_view msg) {
            if (has_type(msg, "\"type\":\"welcome\"")) {
              ++joined;
              signal.notify();
            } else if (measuring) {
              if (has_type(msg, "\"type\":\"lobby_status\"")) {
                ++status_frames;
                status_bytes += msg.size();
              } else {
                ++other_frames;
              }
            }
          });
        });
        co_await signal.until([&] { return joined + failed >= specs.size(); },
                              Clock::now() + std::chrono::seconds(120));
        ch.report({{"phase", "joined"}, {"joined", joined}, {"failed", failed}});
        for (;;) {
          json cmd = co_await ch.wait_command();
          if (cmd.value("cmd", "") != "rate") break;
          double rate = cmd.at("rate").get<double>();
          double seconds = cmd.at("seconds").get<double>();
          status_frames = status_bytes = other_frames = 0;
          measuring = true;
          std::uint64_t changes = 0;
          auto t0 = Clock::now();
          if (toggler && !clients.empty()) {
            auto total = static_cast<std::uint64_t>(rate * seconds);
            auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
            asio::steady_timer timer(io);
            bool ready = false;
            for (std::uint64_t n = 0; n < total; ++n) {
              timer.expires_at(t0 + interval * n);
              co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
              ready = !ready;
              clients.front()->send(ready ? R"({"type":"ready","ready":true})" : R"({"type":"ready","ready":false})");
              ++changes;
            }
            if (ready) clients.front()->send(R"({"type":"ready","ready":false})");
          }
          // Everyone keeps counting until the last coalesced snapshot has arrived.
          auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds + 0.6));
          co_await sleep_for(end - Clock::now());
          measuring = false;
          ch.report({{"phase", "rate"},
                     {"changes", changes},
                     {"status_frames", status_frames},
                     {"status_bytes", status_bytes},
                     {"other_frames", other_frames}});
        }
        io.stop();
      },
      asio::detached);
  io.run_for(std::chrono::minutes(10));
}

}  // namespace bench
