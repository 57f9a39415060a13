#include "soak.hpp"

#include <array>
#include <memory>

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

// One side of a cycle and what it has seen.
struct Side {
  std::shared_ptr<WsClient> ws;
  std::string peer;
  bool joined = false, matched = false, ended = false, closed = false;
  int signals = 0;
};

asio::awaitable<void> sleep_until(Clock::time_point t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Polls pred every 5 ms until it holds or the deadline passes.
template <class Pred>
asio::awaitable<bool> poll_until(Pred pred, Clock::time_point deadline) {
  while (!pred()) {
    if (Clock::now() >= deadline) co_return false;
    co_await sleep_until(std::min(deadline, Clock::now() + std::chrono::milliseconds(5)));
  }
  co_return true;
}

bool has(std::string_view msg, std::string_view marker) { return msg.find(marker) != std::string_view::npos; }

// connect → join → ready → match → signals both ways → leave → close, for one pair. Returns ""
// when it completed, else the stage where it stopped.
asio::awaitable<std::string> cycle(asio::io_context& io, std::uint16_t port, const json& pair, int signals) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  auto sides = std::make_shared<std::array<Side, 2>>();
  for (int s = 0; s < 2; ++s) {
    auto& me = (*sides)[s];
    me.ws = std::make_shared<WsClient>(io);
    if (co_await me.ws->open(port, pair.at(s == 0 ? "a" : "b").get<ConnSpec>())) co_return "connect";
    me.ws->start_reading(
        [sides, s](WsClient&, std::string_view msg) {
          Side& m = (*sides)[s];
          if (has(msg, "\"type\":\"signal\"")) {
            ++m.signals;
          } else if (has(msg, "\"type\":\"welcome\"")) {
            m.joined = true;
          } else if (has(msg, "\"type\":\"match_ended\"")) {
            m.ended = true;
          } else if (has(msg, "\"type\":\"match\"")) {
            m.peer = json::parse(msg).at("peers").at(0).at("id").get<std::string>();
            m.matched = true;
          }
        },
        [sides, s](WsClient&) { (*sides)[s].closed = true; });
  }
  auto& a = (*sides)[0];
  auto& b = (*sides)[1];
  std::string failed;
  if (!co_await poll_until([&] { return a.joined && b.joined; }, deadline)) failed = "join";
  if (failed.empty()) {
    for (auto* m : {&a, &b}) m->ws->send(R"({"type":"ready","ready":true})");
    if (!co_await poll_until([&] { return a.matched && b.matched; }, deadline)) failed = "match";
  }
  if (failed.empty()) {
    for (int i = 0; i < signals; ++i)
      for (auto* m : {&a, &b})
        m->ws->send(R"({"type":"signal","to":")" + m->peer + R"(","data":{"seq":)" + std::to_string(i) + "}}");
    if (!co_await poll_until([&] { return a.signals >= signals && b.signals >= signals; }, deadline)) failed = "signal";
  }
  if (failed.empty()) {
    a.ws->send(R"({"type":"leave_match","ready":false})");
    if (!co_await poll_until([&] { return a.ended && b.ended; }, deadline)) failed = "leave";
    b.ws->send(R"({"type":"ready","ready":false})");
  }
  for (auto* m : {&a, &b}) m->ws->close();
  if (!co_await poll_until([&] { return a.closed && b.closed; }, deadline) && failed.empty()) failed = "close";
  co_return failed;
}

}  // namespace

void soak_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  const auto& pairs = params.at("pairs");
  const double rate = params.at("rate").get<double>();
  const int signals = params.at("signals").get<int>();
  const double seconds = params.at("seconds").get<double>();
  const double progress_s = params.at("progress_s").get<double>();
  std::vector<bool> busy(pairs.size(), false);
  std::uint64_t completed = 0, failed = 0, skipped = 0, running = 0;
  json failures = json::object();

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        ch.report({{"phase", "armed"}});
        co_await ch.wait_command();
        auto t0 = Clock::now();
        auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
        auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
        auto next_progress =
            t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(progress_s));
        for (std::uint64_t k = 0;; ++k) {
          auto due = t0 + interval * static_cast<std::int64_t>(k);
          if (due >= end) break;
          co_await sleep_until(due);
          if (Clock::now() >= next_progress) {
            ch.report({{"phase", "progress"}, {"completed", completed}, {"failed", failed}, {"running", running}});
            next_progress += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(progress_s));
          }
          std::size_t slot = k % pairs.size();
          if (busy[slot]) {  // the pair's previous cycle is still running: never two at once
            ++skipped;
            continue;
          }
          busy[slot] = true;
          ++running;
          asio::co_spawn(io, cycle(io, port, pairs[slot], signals), [&, slot](std::exception_ptr e, std::string stage) {
            if (e) stage = "exception";
            if (stage.empty()) {
              ++completed;
            } else {
              ++failed;
              failures[stage] = failures.value(stage, 0) + 1;
            }
            busy[slot] = false;
            --running;
          });
        }
        co_await poll_until([&] { return running == 0; }, Clock::now() + std::chrono::seconds(15));
        ch.report({{"phase", "done"},
                   {"completed", completed},
                   {"failed", failed},
                   {"skipped", skipped},
                   {"failures", failures},
                   {"elapsed_s", std::chrono::duration<double>(Clock::now() - t0).count()}});
        co_await ch.wait_command();
        io.stop();
      },
      asio::detached);
  io.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds + 120)));
}

}  // namespace bench
