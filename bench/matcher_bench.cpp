// Micro-benchmark for the lobby matcher (swirl::lobby::find_matches).
//
// Part 1 times one matching round for 1k, 10k and 100k ready members whose history looks like a
// busy lobby (everyone already met 20-50 random others). Each size runs several rounds in a row;
// after each round the new pairs are recorded and the matched members become ready again, as the
// lobby actor would do. Only find_matches is timed (steady_clock).
//
// Part 2 simulates whole sessions (everyone re-readies after each match) and compares the
// repeat rate of our matcher with a random matcher that ignores history.
//
// Usage: swirl_bench_matcher [--json FILE] [--smoke]

#include "swirl/lobby/matchmaking.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using swirl::lobby::Candidate;
using swirl::lobby::find_matches;
using swirl::lobby::MatchHistory;
using swirl::lobby::MatchRules;
using swirl::lobby::MemberId;
using swirl::lobby::WhenExhausted;

namespace {

using Groups = std::vector<std::vector<MemberId>>;

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t day_ms = 24 * 60 * minute_ms;
constexpr int timed_rounds = 7;

std::string mode_name(const MatchRules& rules) {
  return rules.when_exhausted == WhenExhausted::wait ? "wait" : "repeat";
}

// A history where member i met between 10 and 25 random others on its own initiative, so with
// the pairs others initiated every member ends up with roughly 20-50 partners.
MatchHistory realistic_history(MemberId users, std::int64_t now_ms, std::mt19937& rng) {
  MatchHistory history;
  std::uniform_int_distribution<MemberId> anyone(0, users - 1);
  std::uniform_int_distribution<int> how_many(10, 25);
  std::uniform_int_distribution<std::int64_t> when(now_ms - 7 * day_ms, now_ms - minute_ms);
  for (MemberId a = 0; a < users; ++a) {
    for (int k = how_many(rng); k > 0; --k) history.record(a, anyone(rng), when(rng));
  }
  return history;
}

// --- part 1: time per round ------------------------------------------------------------------

struct TimingRow {
  MemberId users;
  MatchRules rules;
  std::size_t history_pairs;
  double history_mb;
  double avg_partners;
  double median_ms;
  double max_ms;
  double matched_fraction;  // of the ready members, averaged over rounds
};

TimingRow time_rounds(MemberId users, MatchHistory history, const MatchRules& rules, std::mt19937& rng) {
  std::int64_t now = 30 * day_ms;
  std::vector<Candidate> ready;
  ready.reserve(users);
  std::uniform_int_distribution<std::int64_t> waited(0, 2 * minute_ms);
  for (MemberId id = 0; id < users; ++id) ready.push_back({id, now - waited(rng)});

  TimingRow row{users,
                rules,
                history.pair_count(),
                static_cast<double>(history.memory_bytes()) / (1024.0 * 1024.0),
                2.0 * static_cast<double>(history.pair_count()) / users,
                0,
                0,
                0};
  std::vector<double> ms;
  double matched = 0;
  for (int round = 0; round < timed_rounds; ++round) {
    auto start = std::chrono::steady_clock::now();
    Groups groups = find_matches(ready, history, rules, now);
    auto stop = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());

    // The round plays out: record the pairs, then the matched members queue up again.
    std::vector<bool> was_matched(users, false);
    for (const auto& group : groups) {
      for (std::size_t i = 0; i < group.size(); ++i) {
        was_matched[group[i]] = true;
        for (std::size_t j = i + 1; j < group.size(); ++j) history.record(group[i], group[j], now);
      }
    }
    matched += static_cast<double>(groups.size() * static_cast<std::size_t>(rules.group_size)) / users;
    now += 5 * minute_ms;
    for (auto& c : ready) {
      if (was_matched[c.id]) c.ready_since_ms = now - waited(rng) / 4;
    }
  }
  std::sort(ms.begin(), ms.end());
  row.median_ms = ms[ms.size() / 2];
  row.max_ms = ms.back();
  row.matched_fraction = matched / timed_rounds;
  return row;
}

// --- part 2: repeat rate over many rounds -----------------------------------------------------

struct SimulationRow {
  std::string scenario;
  std::string matcher;
  MemberId users;
  int rounds;
  MatchRules rules;
  std::size_t pairs;
  std::size_t repeats;
  double repeat_rate;
  double utilization;      // matched member-rounds / ready member-rounds
  int first_repeat_round;  // -1 if none
};

Groups random_matcher(std::span<const Candidate> ready, int group_size, std::mt19937& rng) {
  std::vector<MemberId> ids;
  for (const auto& c : ready) ids.push_back(c.id);
  std::shuffle(ids.begin(), ids.end(), rng);
  Groups groups;
  auto g = static_cast<std::size_t>(group_size);
  for (std::size_t i = 0; i + g <= ids.size(); i += g) {
    groups.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(i), ids.begin() + static_cast<std::ptrdiff_t>(i + g));
  }
  return groups;
}

// Every member is ready every round (a match lasts one round, then "next"); members who were
// not matched keep their place in the queue.
SimulationRow simulate(std::string scenario, bool ours, MemberId users, int rounds, const MatchRules& rules,
                       std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::int64_t round_ms = 5 * minute_ms;
  MatchHistory history;
  std::vector<Candidate> ready;
  for (MemberId id = 0; id < users; ++id) ready.push_back({id, 0});

  SimulationRow row{std::move(scenario), ours ? "swirl" : "random", users, rounds, rules, 0, 0, 0, 0, -1};
  std::size_t matched_member_rounds = 0;
  std::int64_t now = 0;
  for (int round = 0; round < rounds; ++round) {
    now += round_ms;
    Groups groups = ours ? find_matches(ready, history, rules, now) : random_matcher(ready, rules.group_size, rng);
    std::vector<bool> was_matched(users, false);
    for (const auto& group : groups) {
      for (std::size_t i = 0; i < group.size(); ++i) {
        was_matched[group[i]] = true;
        for (std::size_t j = i + 1; j < group.size(); ++j) {
          ++row.pairs;
          if (history.met(group[i], group[j])) {
            ++row.repeats;
            if (row.first_repeat_round < 0) row.first_repeat_round = round + 1;
          }
        }
      }
      matched_member_rounds += group.size();
    }
    for (const auto& group : groups) {
      for (std::size_t i = 0; i < group.size(); ++i) {
        for (std::size_t j = i + 1; j < group.size(); ++j) history.record(group[i], group[j], now);
      }
    }
    for (auto& c : ready) {
      if (was_matched[c.id]) c.ready_since_ms = now + round_ms;
    }
  }
  row.repeat_rate = row.pairs == 0 ? 0.0 : static_cast<double>(row.repeats) / row.pairs;
  row.utilization = static_cast<double>(matched_member_rounds) / (static_cast<double>(users) * rounds);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  bool smoke = false;  // 1k and 10k only: a few seconds, for the bench's smoke run
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else if (arg == "--smoke") {
      smoke = true;
    } else {
      std::cerr << "usage: " << argv[0] << " [--json FILE] [--smoke]\n";
      return 2;
    }
  }

  std::mt19937 rng(42);
  nlohmann::json report;

  std::printf("Time per round (%d rounds each; history: everyone met ~20-50 others)\n", timed_rounds);
  std::printf("%8s %5s %7s %10s %9s %11s %10s %9s %8s\n", "users", "group", "mode", "pairs", "hist MB", "partners/u",
              "median ms", "max ms", "matched");
  report["timing"] = nlohmann::json::array();
  for (MemberId users : {1'000u, 10'000u, 100'000u}) {
    if (smoke && users > 10'000u) break;
    MatchHistory history = realistic_history(users, 30 * day_ms, rng);
    const MatchRules configs[] = {
        {2, WhenExhausted::wait, 0},
        {2, WhenExhausted::repeat, 60 * minute_ms},
        {3, WhenExhausted::wait, 0},
        {4, WhenExhausted::repeat, 60 * minute_ms},
    };
    for (const MatchRules& rules : configs) {
      TimingRow row = time_rounds(users, history, rules, rng);
      std::printf("%8u %5d %7s %10zu %9.1f %11.1f %10.3f %9.3f %7.1f%%\n", row.users, row.rules.group_size,
                  mode_name(row.rules).c_str(), row.history_pairs, row.history_mb, row.avg_partners, row.median_ms,
                  row.max_ms, 100.0 * row.matched_fraction);
      report["timing"].push_back({{"users", row.users},
                                  {"group_size", row.rules.group_size},
                                  {"when_exhausted", mode_name(row.rules)},
                                  {"history_pairs", row.history_pairs},
                                  {"history_mb", row.history_mb},
                                  {"avg_partners", row.avg_partners},
                                  {"rounds", timed_rounds},
                                  {"median_ms", row.median_ms},
                                  {"max_ms", row.max_ms},
                                  {"matched_fraction", row.matched_fraction}});
    }
  }

  std::printf("\nRepeat rate over whole sessions (everyone re-readies after each match)\n");
  std::printf("%-28s %7s %6s %6s %7s %8s %8s %11s %12s\n", "scenario", "matcher", "users", "rounds", "pairs", "repeats",
              "rate", "utilization", "first repeat");
  report["simulation"] = nlohmann::json::array();
  struct Scenario {
    const char* name;
    MemberId users;
    int rounds;
    MatchRules rules;
  };
  const Scenario scenarios[] = {
      {"200 users, pairs", 200, 100, {2, WhenExhausted::wait, 0}},
      {"200 users, groups of 3", 200, 100, {3, WhenExhausted::wait, 0}},
      {"30 users, pairs, wait", 30, 100, {2, WhenExhausted::wait, 0}},
      {"30 users, pairs, repeat 50m", 30, 100, {2, WhenExhausted::repeat, 50 * minute_ms}},
  };
  for (const Scenario& s : scenarios) {
    for (bool ours : {true, false}) {
      SimulationRow row = simulate(s.name, ours, s.users, s.rounds, s.rules, 7);
      std::printf("%-28s %7s %6u %6d %7zu %8zu %7.2f%% %10.1f%% %12s\n", row.scenario.c_str(), row.matcher.c_str(),
                  row.users, row.rounds, row.pairs, row.repeats, 100.0 * row.repeat_rate, 100.0 * row.utilization,
                  row.first_repeat_round < 0 ? "-" : std::to_string(row.first_repeat_round).c_str());
      report["simulation"].push_back({{"scenario", row.scenario},
                                      {"matcher", row.matcher},
                                      {"users", row.users},
                                      {"rounds", row.rounds},
                                      {"group_size", row.rules.group_size},
                                      {"when_exhausted", mode_name(row.rules)},
                                      {"repeat_after_ms", row.rules.repeat_after_ms},
                                      {"pairs", row.pairs},
                                      {"repeats", row.repeats},
                                      {"repeat_rate", row.repeat_rate},
                                      {"utilization", row.utilization},
                                      {"first_repeat_round", row.first_repeat_round}});
    }
  }

  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << report.dump(2) << '\n';
    if (!out) {
      std::cerr << "could not write " << json_path << '\n';
      return 1;
    }
    std::printf("\nwrote %s\n", json_path.c_str());
  }
  return 0;
}
