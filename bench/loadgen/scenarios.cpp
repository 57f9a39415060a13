#include "scenarios.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "proc_stats.hpp"

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;
using ClientPtr = std::shared_ptr<WsClient>;

// Wakes coroutines waiting for a condition that handlers change (single-threaded io).
class Signal {
 public:
  explicit Signal(asio::io_context& io) : timer_(io) {}
  void notify() { timer_.cancel(); }
  template <class Pred>
  asio::awaitable<bool> until(Pred pred, Clock::time_point deadline) {
    while (!pred()) {
      if (Clock::now() >= deadline) co_return false;
      timer_.expires_at(deadline);
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return true;
  }

 private:
  asio::steady_timer timer_;
};

asio::awaitable<void> sleep_for(std::chrono::nanoseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Swirl serializes objects with sorted keys, so "type" comes late in its frames; PeerJS puts it
// first. Looking at both ends avoids scanning a 20 KB lobby_status.
bool has_type(std::string_view msg, std::string_view type_marker) {
  if (msg.size() <= 320) return msg.find(type_marker) != std::string_view::npos;
  return msg.substr(0, 64).find(type_marker) != std::string_view::npos ||
         msg.substr(msg.size() - 256).find(type_marker) != std::string_view::npos;
}

std::string joined_marker(const std::string& target) {
  return target == "swirl" ? "\"type\":\"welcome\"" : "\"type\":\"OPEN\"";
}

// Runs body(i) for i in [0, n) with at most `lanes` running at once.
template <class Body>
asio::awaitable<void> for_each_limited(std::size_t n, std::size_t lanes, Body body) {
  auto ex = co_await asio::this_coro::executor;
  std::size_t next = 0, done_lanes = 0;
  lanes = std::max<std::size_t>(1, std::min(lanes, n));
  asio::steady_timer all_done(ex, Clock::time_point::max());
  for (std::size_t l = 0; l < lanes; ++l) {
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          while (next < n) co_await body(next++);
        },
        [&](std::exception_ptr) {
          if (++done_lanes == lanes) all_done.cancel();
        });
  }
  if (n > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
}

// --- synthetic WebRTC negotiation ------------------------------------------------------------

std::string fake_sdp(std::size_t bytes, const char* kind) {
  std::string sdp =
      "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
      "a=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n";
  const char* lines[] = {
      "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n",
      "a=ice-ufrag:sX2b\r\na=ice-pwd:Yq1dUVdZ4hL8CjcYVbE4m0P1\r\na=ice-options:trickle\r\n",
      "a=fingerprint:sha-256 "
      "5B:D3:8C:2A:91:0F:77:4E:AA:10:3C:55:9E:E1:02:B8:6D:40:15:CB:7A:29:E3:11:64:98:CC:0A:5F:38:D2:71\r\n",
      "a=setup:actpass\r\na=mid:0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
      "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 "
      "minptime=10;useinbandfec=1\r\n",
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 99 100 101\r\n",
      "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm "
      "fir\r\na=rtcp-fb:96 nack\r\n",
      "a=ssrc:1434263456 cname:kYv3uS9dm1x5Ln7F\r\na=ssrc:1434263456 msid:stream "
      "2f4b8e1a-33c5-4a5e-9d1e-8c1b6a2f0d44\r\n"};
  for (std::size_t i = 0; sdp.size() < bytes; ++i) sdp += lines[i % std::size(lines)];
  sdp.resize(bytes);
  (void)kind;
  return sdp;
}

// One relayed message, split around the timestamp: prefix + peer + middle + t + suffix.
struct Template {
  std::string type;  // PeerJS message type
  std::string body;  // the data/payload object without its opening brace
  bool from_offerer;
};

std::vector<Template> negotiation() {
  std::vector<Template> steps;
  json offer = {{"description", {{"type", "offer"}, {"sdp", fake_sdp(2900, "offer")}}}};
  json answer = {{"description", {{"type", "answer"}, {"sdp", fake_sdp(2400, "answer")}}}};
  json cand = {{"candidate",
                {{"candidate",
                  "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.5 rport 46154 "
                  "generation 0 ufrag sX2b network-cost 999"},
                 {"sdpMid", "0"},
                 {"sdpMLineIndex", 0},
                 {"usernameFragment", "sX2b"}}}};
  auto rest = [](const json& j) { return j.dump().substr(1); };
  steps.push_back({"OFFER", rest(offer), true});
  steps.push_back({"ANSWER", rest(answer), false});
  for (int i = 0; i < 16; ++i) steps.push_back({"CANDIDATE", rest(cand), i % 2 == 0});
  return steps;
}

std::string relay_message(const std::string& target, const Template& t, const std::string& peer, std::int64_t stamp) {
  std::string out;
  out.reserve(t.body.size() + 128);
  if (target == "swirl") {
    out += R"({"type":"signal","to":")";
    out += peer;
    out += R"(","data":{"bench_t":)";
  } else {
    out += R"({"type":")";
    out += t.type;
    out += R"(","dst":")";
    out += peer;
    out += R"(","payload":{"bench_t":)";
  }
  out += std::to_string(stamp);
  out += ',';
  out += t.body;
  out += '}';
  return out;
}

std::vector<ConnSpec> specs_of(const json& j) { return j.get<std::vector<ConnSpec>>(); }

}  // namespace

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

// --- relay ----------------------------------------------------------------------------------------

void relay_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  auto target = params.at("target").get<std::string>();
  auto marker = joined_marker(target);
  auto specs = specs_of(params.at("specs"));
  pid_t server_pid = params.at("server_pid").get<pid_t>();
  bool sample_split = params.value("sample_split", false);
  std::string work_dir = params.value("work_dir", std::string("/tmp"));
  bool swirl = target == "swirl";
  auto steps = negotiation();

  std::vector<ClientPtr> clients(specs.size());
  std::size_t joined = 0, matched = 0, failed = 0, errors = 0;
  Signal signal(io);
  // Measurement state, read by every connection's message handler.
  bool measuring = false;
  std::int64_t window_start = 0;
  std::uint64_t received = 0;
  std::vector<std::int64_t> latencies;

  auto on_message = [&](WsClient& c, std::string_view msg) {
    auto t = find_int(msg, "\"bench_t\":");
    if (t >= 0) {
      if (measuring && t >= window_start) {
        latencies.push_back(now_ns() - t);
        ++received;
        if ((received & 63) == 0) signal.notify();
      }
      return;
    }
    if (has_type(msg, marker)) {
      ++joined;
      if (swirl) c.send(R"({"type":"ready","ready":true})");
      signal.notify();
    } else if (swirl && has_type(msg, "\"type\":\"match\"")) {
      json m = json::parse(msg);
      const auto& peer = m.at("peers").at(0);
      c.peer = peer.at("id").get<std::string>();
      c.offerer = peer.at("offerer").get<std::string>() != c.peer;
      ++matched;
      signal.notify();
    } else if (has_type(msg, "\"type\":\"error\"") || has_type(msg, "\"type\":\"ERROR\"")) {
      ++errors;
    }
  };

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await for_each_limited(specs.size(), 100, [&](std::size_t i) -> asio::awaitable<void> {
          auto c = std::make_shared<WsClient>(io);
          c->index = i;
          if (!swirl) {
            c->peer = specs[i ^ 1].id;  // pairs are (0,1), (2,3), ...
            c->offerer = (i % 2) == 0;
          }
          auto ec = co_await c->open(port, specs[i]);
          if (ec) {
            ++failed;
            co_return;
          }
          clients[i] = c;
          c->start_reading(on_message);
        });
        std::size_t want = specs.size();
        co_await signal.until([&] { return (swirl ? matched : joined) + failed >= want; },
                              Clock::now() + std::chrono::seconds(60));
        // Pairs as (offerer, answerer).
        std::unordered_map<std::string, ClientPtr> by_id;
        for (std::size_t i = 0; i < clients.size(); ++i)
          if (clients[i]) by_id[specs[i].id] = clients[i];
        std::vector<std::pair<ClientPtr, ClientPtr>> pairs;
        for (auto& c : clients)
          if (c && c->offerer && !c->peer.empty()) {
            auto it = by_id.find(c->peer);
            if (it != by_id.end()) pairs.emplace_back(c, it->second);
          }
        ch.report({{"phase", "ready"},
                   {"pairs", pairs.size()},
                   {"failed", failed},
                   {"joined", joined},
                   {"matched", matched}});

        for (;;) {
          json cmd = co_await ch.wait_command();
          if (cmd.value("cmd", "") != "rate") break;
          double rate = cmd.at("rate").get<double>();
          double seconds = cmd.at("seconds").get<double>();
          double warmup = cmd.value("warmup_s", 0.5);
          auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
          std::uint64_t k = 0, sent = 0;
          std::int64_t max_lag = 0;
          auto run_phase = [&](double secs, bool measured) -> asio::awaitable<void> {
            auto start = Clock::now();
            auto total = static_cast<std::uint64_t>(rate * secs);
            asio::steady_timer timer(io);
            for (std::uint64_t n = 0; n < total && !pairs.empty();) {
              auto due = start + interval * n;
              auto now = Clock::now();
              if (due > now) {
                timer.expires_at(due);
                co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
              }
              if (Clock::now() - start > std::chrono::duration<double>(secs * 3)) break;  // bounded in time
              max_lag = std::max<std::int64_t>(max_lag,
                                               std::chrono::duration_cast<std::chrono::nanoseconds>(now - due).count());
              auto& [a, b] = pairs[k % pairs.size()];
              const Template& t = steps[(k / pairs.size()) % steps.size()];
              auto& from = t.from_offerer ? a : b;
              from->send(relay_message(target, t, from->peer, now_ns()));
              ++k;
              ++n;
              if (measured) ++sent;
            }
          };
          co_await run_phase(warmup, false);
          co_await sleep_for(std::chrono::milliseconds(200));  // let the warm-up drain
          max_lag = 0;
          latencies.clear();
          received = 0;
          window_start = now_ns();
          measuring = true;
          auto before = sample_proc(server_pid);
          co_await run_phase(seconds, true);
          co_await signal.until([&] { return received >= sent; }, Clock::now() + std::chrono::seconds(3));
          auto after = sample_proc(server_pid);
          measuring = false;
          auto cpu = cpu_between(before, after);
          SampledSplit split;
          if (sample_split) {
            // A window of its own at the same rate, after the measured one: perf's sampling
            // interrupts cost so much in this VM that the server's CPU in a sampled window reads
            // 20-50 % higher (bench/notes.md), so only the split is taken from it.
            CpuSampler sampler(server_pid, work_dir + "/perf-" + std::to_string(getpid()) + ".data");
            co_await run_phase(std::min(seconds, 3.0), false);
            split = sampler.stop();
            co_await sleep_for(std::chrono::milliseconds(200));
          }
          double n = static_cast<double>(std::max<std::uint64_t>(received, 1));
          json report = {{"phase", "rate"},
                         {"rate", rate},
                         {"seconds", seconds},
                         {"sent", sent},
                         {"received", received},
                         {"delivered", sent ? static_cast<double>(received) / static_cast<double>(sent) : 0.0},
                         {"errors", errors},
                         {"latency", percentiles_ms(latencies)},
                         {"generator_max_lag_ms", static_cast<double>(max_lag) / 1e6},
                         {"cpu_us_per_msg", cpu.total_us / n},
                         {"user_us_per_msg", cpu.user_us / n},
                         {"sys_us_per_msg", cpu.sys_us / n},
                         {"cpu_total_ms", cpu.total_us / 1e3},
                         {"rss_kib", after.rss_kib}};
          if (split.ok) {
            report["sampled_user_fraction"] = split.user_fraction;
            report["sampled_samples"] = split.samples;
            report["sampled_user_us_per_msg"] = cpu.total_us / n * split.user_fraction;
            report["sampled_sys_us_per_msg"] = cpu.total_us / n * (1 - split.user_fraction);
          } else if (sample_split) {
            report["sampled_error"] = split.error;
          }
          ch.report(report);
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
  auto target = params.at("target").get<std::string>();
  bool swirl = target == "swirl";
  auto marker = joined_marker(target);
  const auto& cycles = params.at("cycles");       // [{a: spec, b: spec}]
  double rate = params.at("rate").get<double>();  // pairs per second
  // join_only: connect → join (welcome) → close, the connection cost alone (no ready, no match).
  bool join_only = params.value("join_only", false);
  std::size_t completed = 0, failed = 0, running = 0;
  std::vector<std::int64_t> cycle_latency;
  json failures = json::object();
  Signal all_done(io);

  // One pair's life. Each connection's state is a small counter of what it has seen.
  struct Side {
    ClientPtr c;
    bool joined = false, matched = false, ended = false, closed = false;
  };
  auto cycle = [&](std::size_t i) -> asio::awaitable<void> {
    auto started = now_ns();
    auto deadline = Clock::now() + std::chrono::seconds(10);
    auto sig = std::make_shared<Signal>(io);
    auto sides = std::make_shared<std::array<Side, 2>>();
    bool ok = true;
    for (int s = 0; s < 2 && ok; ++s) {
      auto spec = cycles[i].at(s == 0 ? "a" : "b").get<ConnSpec>();
      auto c = std::make_shared<WsClient>(io);
      if (co_await c->open(port, spec)) {
        ok = false;
        break;
      }
      (*sides)[s].c = c;
      c->start_reading(
          [sig, sides, s, marker](WsClient&, std::string_view msg) {
            Side& me = (*sides)[s];
            if (std::getenv("SWIRL_BENCH_TRACE"))
              std::fprintf(stderr, "[%d] %.*s\n", s, static_cast<int>(std::min<std::size_t>(msg.size(), 300)),
                           msg.data());
            if (has_type(msg, marker))
              me.joined = true;
            else if (has_type(msg, "\"type\":\"match\""))
              me.matched = true;
            else if (has_type(msg, "\"type\":\"match_ended\""))
              me.ended = true;
            sig->notify();
          },
          [sig, sides, s](WsClient&) {
            (*sides)[s].closed = true;
            sig->notify();
          });
    }
    auto both = [&](auto member) { return (*sides)[0].*member && (*sides)[1].*member; };
    if (ok) ok = co_await sig->until([&] { return both(&Side::joined); }, deadline);
    if (ok && swirl && !join_only) {
      for (auto& s : *sides) s.c->send(R"({"type":"ready","ready":true})");
      ok = co_await sig->until([&] { return both(&Side::matched); }, deadline);
      if (ok) {
        (*sides)[0].c->send(R"({"type":"leave_match","ready":false})");
        ok = co_await sig->until([&] { return both(&Side::ended); }, deadline);
        (*sides)[1].c->send(R"({"type":"ready","ready":false})");  // the peer went back to the pool: leave it
      }
    }
    for (auto& s : *sides)
      if (s.c) s.c->close();
    bool closed = co_await sig->until(
        [&] { return (!(*sides)[0].c || (*sides)[0].closed) && (!(*sides)[1].c || (*sides)[1].closed); }, deadline);
    if (!(ok && closed)) {
      // Where it stopped, for the report: the furthest state both sides reached.
      bool matching = swirl && !join_only;
      std::string stage = !both(&Side::joined)                ? "join"
                          : matching && !both(&Side::matched) ? "match"
                          : matching && !both(&Side::ended)   ? "match_ended"
                                                              : "close";
      failures[stage] = failures.value(stage, 0) + 1;
    }
    if (ok && closed) {
      ++completed;
      cycle_latency.push_back(now_ns() - started);
    } else {
      ++failed;
    }
    --running;
    all_done.notify();
  };

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
          asio::co_spawn(io, cycle(i), asio::detached);
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
