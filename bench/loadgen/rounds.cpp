#include "rounds.hpp"

#include <algorithm>

#include "report_format.hpp"

namespace bench {

std::vector<std::string> abba_order(const std::vector<std::string>& kinds, std::size_t rounds) {
  std::vector<std::string> order;
  for (std::size_t i = 0; i < rounds; ++i) {
    if (i % 2 == 0)
      order.insert(order.end(), kinds.begin(), kinds.end());
    else
      order.insert(order.end(), kinds.rbegin(), kinds.rend());
  }
  return order;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

namespace {

// A round's cycle latency summary; an empty object when the round has none.
const json& cycle_of(const json& round) {
  static const json none = json::object();
  return round.contains("cycle") && round["cycle"].is_object() ? round["cycle"] : none;
}

}  // namespace

json summarize_rounds(const json& rounds) {
  auto median_of = [&](auto value_of) {
    std::vector<double> v;
    for (const auto& round : rounds) v.push_back(value_of(round));
    return median(std::move(v));
  };
  auto sum_of = [&](const char* key) {
    double total = 0;
    for (const auto& round : rounds) total += num(round, key);
    return total;
  };
  json out = {{"cpu_ms_per_cycle", median_of([](const json& r) { return num(r, "cpu_ms_per_cycle"); })},
              {"user_ms_per_cycle", median_of([](const json& r) { return num(r, "user_ms_per_cycle"); })},
              {"sys_ms_per_cycle", median_of([](const json& r) { return num(r, "sys_ms_per_cycle"); })},
              {"completed_pairs", static_cast<std::int64_t>(sum_of("completed_pairs"))},
              {"failed_pairs", static_cast<std::int64_t>(sum_of("failed_pairs"))},
              {"elapsed_s", sum_of("elapsed_s")}};
  json cycle = json::object();
  double count = 0, max_ms = 0;
  for (const auto& round : rounds) {
    count += num(cycle_of(round), "count");
    max_ms = std::max(max_ms, num(cycle_of(round), "max_ms"));
  }
  cycle["count"] = static_cast<std::int64_t>(count);
  for (const char* key : {"p50_ms", "p90_ms", "p99_ms", "p999_ms"})
    cycle[key] = median_of([key](const json& r) { return num(cycle_of(r), key); });
  cycle["max_ms"] = max_ms;
  out["cycle"] = cycle;
  return out;
}

std::optional<std::pair<double, double>> round_ratio_range(const json& swirl, const json& peerjs, const char* key) {
  if (!swirl.contains("rounds") || !peerjs.contains("rounds")) return std::nullopt;
  const auto &s = swirl["rounds"], &p = peerjs["rounds"];
  std::optional<std::pair<double, double>> range;
  for (std::size_t i = 0; i < std::min(s.size(), p.size()); ++i) {
    double below = num(p[i], key);
    if (below <= 0) continue;
    double ratio = num(s[i], key) / below;
    if (!range)
      range = std::pair{ratio, ratio};
    else
      range = std::pair{std::min(range->first, ratio), std::max(range->second, ratio)};
  }
  return range;
}

void add_sampled_split(json& summary, const json& sampled) {
  summary["sampled"] = sampled;
  summary.erase("sampled_user_ms_per_cycle");
  summary.erase("sampled_sys_ms_per_cycle");
  if (!sampled.contains("user_fraction")) return;
  double f = num(sampled, "user_fraction"), cpu = num(summary, "cpu_ms_per_cycle");
  summary["sampled_user_ms_per_cycle"] = cpu * f;
  summary["sampled_sys_ms_per_cycle"] = cpu * (1 - f);
}

}  // namespace bench
