#include "soak.hpp"

#include "client_util.hpp"
#include "pair_cycle.hpp"

namespace bench {

void soak_worker(asio::io_context& io, WorkerChannel& ch, const json& params) {
  auto port = params.at("port").get<std::uint16_t>();
  const auto& pairs = params.at("pairs");
  const double rate = params.at("rate").get<double>();
  PairCycle how;
  how.signals = params.at("signals").get<int>();
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
          asio::co_spawn(io, run_pair_cycle(io, port, pairs[slot], how),
                         [&, slot](std::exception_ptr e, std::string stage) {
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
