#include "flood.hpp"

#include <algorithm>
#include <memory>

#include "client_util.hpp"

namespace bench {

namespace {

// One connection of the scenario and what it saw.
struct Conn {
  std::shared_ptr<WsClient> ws;
  std::string peer;  // the matched peer's id, once "match" arrived
  bool offerer = false;
  std::uint64_t rate_limited = 0;  // "rate_limited" errors received
  std::uint64_t other_errors = 0;
  std::int64_t closed_ns = 0;  // when the socket ended (0: open)
};

std::string signal_to(const std::string& peer, const std::string& data) {
  return R"({"type":"signal","to":")" + peer + R"(","data":)" + data + "}";
}

// Sends signals from c to its peer at `rate` per second after `burst` at once, until `stop` or
// the connection ends; counts what it sent.
asio::awaitable<void> pump(Conn& c, double rate, std::size_t burst, std::size_t bytes, const bool& stop,
                           std::uint64_t& sent) {
  std::string pad(bytes > 120 ? bytes - 120 : 1, 'f');
  auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
  auto start = Clock::now();
  for (std::uint64_t n = 0; !stop && c.closed_ns == 0; ++n) {
    if (n >= burst) co_await sleep_until(start + interval * static_cast<std::int64_t>(n - burst + 1));
    if (stop || c.closed_ns != 0) break;
    c.ws->send(signal_to(c.peer, R"({"flood":)" + std::to_string(n) + R"(,"pad":")" + pad + "\"}"));
    ++sent;
  }
}

}  // namespace

void flood_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  std::vector<ConnSpec> specs = params.at("probe").get<std::vector<ConnSpec>>();
  const std::size_t probes = specs.size();
  for (const char* k : {"flooder", "flooder_peer", "over", "over_peer"}) specs.push_back(params.at(k).get<ConnSpec>());
  const std::size_t flooder = probes, over = probes + 2;
  const double rate = params.at("rate").get<double>();
  const auto burst = params.at("burst").get<std::size_t>();
  const double probe_rate = params.at("probe_rate").get<double>();
  const double seconds = params.at("seconds").get<double>();
  const auto flood_bytes = params.at("flood_bytes").get<std::size_t>();

  std::vector<Conn> conns(specs.size());
  std::size_t matched = 0, failed = 0;
  bool measuring = false;
  std::int64_t window_start = 0;
  std::uint64_t received = 0;
  std::vector<std::int64_t> latencies;

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < specs.size(); ++i) {
          auto& c = conns[i];
          c.ws = std::make_shared<WsClient>(io);
          if (co_await c.ws->open(port, specs[i])) {
            ++failed;
            continue;
          }
          c.ws->start_reading(
              [&c, &matched, &measuring, &window_start, &received, &latencies](WsClient& ws, std::string_view msg) {
                auto t = find_int(msg, "\"bench_t\":");
                if (t >= 0) {
                  if (measuring && t >= window_start) {
                    latencies.push_back(now_ns() - t);
                    ++received;
                  }
                } else if (msg.find("\"type\":\"welcome\"") != std::string_view::npos) {
                  ws.send(R"({"type":"ready","ready":true})");
                } else if (msg.find("\"type\":\"match\"") != std::string_view::npos) {
                  json m = json::parse(msg);
                  const auto& peer = m.at("peers").at(0);
                  c.peer = peer.at("id").get<std::string>();
                  c.offerer = peer.at("offerer").get<std::string>() != c.peer;
                  ++matched;
                } else if (msg.find("\"code\":\"rate_limited\"") != std::string_view::npos) {
                  ++c.rate_limited;
                } else if (msg.find("\"type\":\"error\"") != std::string_view::npos) {
                  ++c.other_errors;
                }
              },
              [&c](WsClient&) { c.closed_ns = now_ns(); });
        }
        co_await poll_until([&] { return matched + failed >= specs.size(); }, Clock::now() + std::chrono::seconds(60));
        ch.report({{"phase", "ready"}, {"matched", matched}, {"failed", failed}});

        std::vector<Conn*> senders;
        for (std::size_t i = 0; i < probes; ++i)
          if (conns[i].offerer && !conns[i].peer.empty()) senders.push_back(&conns[i]);
        const std::string probe_pad(200, 'p');
        auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / probe_rate));
        for (;;) {
          json cmd = co_await ch.wait_command();
          if (cmd.value("cmd", "") != "phase") break;
          const bool flood = cmd.at("flood").get<bool>();
          bool stop_flood = false;
          std::uint64_t flood_sent = 0, over_sent = 0;
          std::int64_t flood_started = now_ns();
          auto ex = co_await asio::this_coro::executor;
          if (flood) {
            asio::co_spawn(ex, pump(conns[flooder], rate * 0.97, burst, flood_bytes, stop_flood, flood_sent),
                           asio::detached);
            asio::co_spawn(ex, pump(conns[over], rate * 2, burst, flood_bytes, stop_flood, over_sent), asio::detached);
          }
          latencies.clear();
          received = 0;
          window_start = now_ns();
          measuring = true;
          std::uint64_t sent = 0;
          auto start = Clock::now();
          auto total = static_cast<std::uint64_t>(probe_rate * seconds);
          for (std::uint64_t n = 0; n < total && !senders.empty(); ++n) {
            co_await sleep_until(start + interval * static_cast<std::int64_t>(n));
            auto& c = *senders[n % senders.size()];
            c.ws->send(
                signal_to(c.peer, R"({"bench_t":)" + std::to_string(now_ns()) + R"(,"pad":")" + probe_pad + "\"}"));
            ++sent;
          }
          co_await poll_until([&] { return received >= sent; }, Clock::now() + std::chrono::seconds(5));
          measuring = false;
          // The connection over the limit keeps sending until the server closes it (about 2 s at
          // the production limits, longer than a smoke run's window), bounded.
          if (flood)
            co_await poll_until([&] { return conns[over].closed_ns != 0; }, Clock::now() + std::chrono::seconds(10));
          stop_flood = true;
          double flood_secs = static_cast<double>(now_ns() - flood_started) / 1e9;
          auto& f = conns[flooder];
          auto& o = conns[over];
          json report = {{"phase", flood ? "flood" : "quiet"},
                         {"probe_sent", sent},
                         {"probe_received", received},
                         {"latency", percentiles_ms(latencies)}};
          if (flood) {
            report["flood"] = {{"sent", flood_sent},
                               {"message_bytes", flood_bytes},
                               {"rate_per_s", static_cast<double>(flood_sent) / flood_secs},
                               {"rate_limited_errors", f.rate_limited},
                               {"closed", f.closed_ns != 0},
                               {"peer_closed", conns[flooder + 1].closed_ns != 0}};
            report["over"] = {
                {"sent", over_sent},
                {"rate_limited_errors", o.rate_limited},
                {"closed", o.closed_ns != 0},
                {"close_code", o.ws->close_code()},
                {"closed_after_s", o.closed_ns ? static_cast<double>(o.closed_ns - flood_started) / 1e9 : -1.0}};
          }
          co_await sleep_until(Clock::now() + std::chrono::milliseconds(300));  // the pumps see stop
          ch.report(report);
        }
        io.stop();
      },
      asio::detached);
  io.run_for(std::chrono::minutes(10));
}

}  // namespace bench
