// Micro-benchmark for parsing client messages (swirl::lobby::parse_client_message).
//
// Times the previous implementation (an nlohmann::json DOM parse with `data` dumped again, kept
// here as a copy) against the one-pass scanner, on the three signals a call starts with: a
// Chrome-like offer (~3 KB), its answer (~2.5 KB) and an ICE candidate (~250 B). Each case runs
// `runs` timed batches after a warm-up; the report gives the median batch as ns per message and
// MB/s of input. Both sides build the complete outgoing frame.
//
// Usage: swirl_bench_protocol [--smoke]

#include "swirl/lobby/protocol.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "support/reference_parser.hpp"
#include "support/signal_samples.hpp"

using swirl::lobby::ClientCommand;
using swirl::lobby::ProtocolError;
using swirl::lobby::SignalCommand;

namespace {

using nlohmann::json;
using Parser = std::function<std::variant<ClientCommand, ProtocolError>(std::string_view, const std::string&)>;

// The parse_client_message this scanner replaced (shared with tests/test_protocol.cpp).
auto dom_parse(std::string_view text, const std::string& from_user) {
  return swirl::test::reference_parse(text, from_user);
}

std::size_t sink = 0;  // keeps the work observable

// Median ns per message over `runs` batches of `iterations` parses.
double median_ns(const Parser& parse, const std::string& message, int runs, int iterations) {
  const std::string from = "u8Jd2kLs9QmZx0Aa";
  for (int i = 0; i < iterations / 10 + 1; ++i) sink += parse(message, from).index();  // warm-up
  std::vector<double> per_message;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
      auto result = parse(message, from);
      sink += std::get<SignalCommand>(std::get<ClientCommand>(result)).frame->size();
    }
    std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    per_message.push_back(took.count() / iterations);
  }
  std::sort(per_message.begin(), per_message.end());
  return per_message[per_message.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = argc > 1 && std::string_view(argv[1]) == "--smoke";
  const int runs = smoke ? 3 : 9;
  struct Case {
    const char* name;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"offer", swirl::test::sample_offer_message()},
      {"answer", swirl::test::sample_answer_message()},
      {"candidate", swirl::test::sample_candidate_message()},
  };
  const Parser scanner = swirl::lobby::parse_client_message;
  const Parser dom = dom_parse;

  std::printf("%-10s %7s  %12s %9s  %12s %9s  %7s\n", "message", "bytes", "DOM ns/msg", "DOM MB/s", "scan ns/msg",
              "scan MB/s", "speedup");
  for (const auto& c : cases) {
    // About 20 ms of DOM parsing per batch (less for --smoke).
    int iterations = int((smoke ? 2'000'000 : 40'000'000) / (c.message.size() + 100));
    double old_ns = median_ns(dom, c.message, runs, iterations);
    double new_ns = median_ns(scanner, c.message, runs, iterations);
    auto mb_per_s = [&](double ns) { return double(c.message.size()) / ns * 1e9 / 1e6; };
    std::printf("%-10s %7zu  %12.0f %9.1f  %12.0f %9.1f  %6.1fx\n", c.name, c.message.size(), old_ns, mb_per_s(old_ns),
                new_ns, mb_per_s(new_ns), old_ns / new_ns);
  }
  std::printf("(median of %d runs; sink %zu)\n", runs, sink);
  return 0;
}
