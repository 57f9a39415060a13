#include "swirl/core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace swirl::core {

void Histogram::observe(std::chrono::nanoseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::size_t i = 0;
  while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
  if (i < kLatencyBuckets.size()) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, elapsed.count())), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  // Read after the buckets: an observation racing with the scrape may show in count first,
  // never in a bucket without count (Prometheus requires +Inf == count; we write count as +Inf).
  s.count = std::max(count_.load(std::memory_order_relaxed), running);
  s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

void HttpMetrics::record(std::string_view route, unsigned status, std::chrono::nanoseconds elapsed) {
  std::lock_guard lock(mu_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.try_emplace(std::string(route)).first;
  ++it->second.by_status[status];
  it->second.latency.observe(elapsed);
}

std::map<std::string, HttpMetrics::RouteSnapshot> HttpMetrics::snapshot() const {
  std::lock_guard lock(mu_);
  std::map<std::string, RouteSnapshot> out;
  for (const auto& [route, r] : routes_) out[route] = RouteSnapshot{r.by_status, r.latency.snapshot()};
  return out;
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

namespace {

std::string format_value(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<std::int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void append_labels(std::string& out, const PrometheusWriter::Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '"')
        out += "\\\"";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  }
  out += '}';
}

}  // namespace

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) out_ += (c == '\n') ? ' ' : c;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, double value, const Labels& labels) {
  out_ += name;
  append_labels(out_, labels);
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void PrometheusWriter::histogram(std::string_view name, const Histogram::Snapshot& h, const Labels& labels) {
  const std::string base(name);
  for (std::size_t i = 0; i < Histogram::kLatencyBuckets.size(); ++i) {
    Labels with_le = labels;
    with_le.emplace_back("le", format_value(Histogram::kLatencyBuckets[i]));
    sample(base + "_bucket", static_cast<double>(h.cumulative[i]), with_le);
  }
  Labels inf = labels;
  inf.emplace_back("le", "+Inf");
  sample(base + "_bucket", static_cast<double>(h.count), inf);
  sample(base + "_sum", h.sum_seconds, labels);
  sample(base + "_count", static_cast<double>(h.count), labels);
}

}  // namespace swirl::core
