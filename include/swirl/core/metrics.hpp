#pragma once
// The process's metrics: atomic counters and fixed-bucket histograms that any layer bumps with
// one line (core::metrics().x.inc()), and the Prometheus text writer /metrics renders them
// with (api/ops_api.cpp). Gauges are not kept here: /metrics reads them from their owners
// (open WebSockets, live lobbies, members) when it is scraped.
//
// Everything here is lock-free except the per-route HTTP table, which takes a mutex for one
// map lookup per request.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swirl::core {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// One owner's part of a process-wide gauge (a lobby's members in the total): publish() adds
// the change since the last call; destruction takes the part back out.
class GaugeShare {
 public:
  explicit GaugeShare(Gauge& g) : gauge_(g) {}
  ~GaugeShare() { publish(0); }
  GaugeShare(const GaugeShare&) = delete;
  GaugeShare& operator=(const GaugeShare&) = delete;
  void publish(std::int64_t value) {
    if (value != published_) gauge_.add(value - published_);
    published_ = value;
  }

 private:
  Gauge& gauge_;
  std::int64_t published_ = 0;
};

// Latency histogram with the bucket bounds (seconds) of kLatencyBuckets: 0.5 ms to 10 s.
class Histogram {
 public:
  static constexpr std::array<double, 12> kLatencyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1.0,  10.0};
  void observe(std::chrono::nanoseconds elapsed);

  struct Snapshot {
    std::array<std::uint64_t, kLatencyBuckets.size()> cumulative{};  // observations <= each bound
    std::uint64_t count = 0;
    double sum_seconds = 0;
  };
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size()> buckets_{};  // not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

// Observes the time from its construction to its destruction.
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram& h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { h_.observe(std::chrono::steady_clock::now() - start_); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram& h_;
  std::chrono::steady_clock::time_point start_;
};

// HTTP requests by route pattern ("/api/lobbies/{id}", "static", "unmatched") and status, and
// their latency by route. Routes are the router's patterns, so the label set stays small.
class HttpMetrics {
 public:
  void record(std::string_view route, unsigned status, std::chrono::nanoseconds elapsed);

  struct RouteSnapshot {
    std::map<unsigned, std::uint64_t> by_status;
    Histogram::Snapshot latency;
  };
  std::map<std::string, RouteSnapshot> snapshot() const;

 private:
  struct Route {
    std::map<unsigned, std::uint64_t> by_status;
    Histogram latency;
  };
  mutable std::mutex mu_;
  std::map<std::string, Route, std::less<>> routes_;
};

struct Metrics {
  Counter repeats_avoided;  // ready members left waiting although someone they had met was free
  Counter resumes;          // joins that took over a member's place (after a drop or from a new tab)
  Counter readyz_failures;  // /readyz answers other than 200
  Gauge lobby_members;      // members of live lobbies (connected or within their resume grace)
  Gauge ready_members;      // of them, ready and waiting for a match
  Histogram db_call;        // one database call (a pooled connection's use), retries included
  HttpMetrics http;
};

// The process-wide metrics.
Metrics& metrics();

// Writes the Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per
// family, then its samples. Label values are escaped (backslash, quote, newline).
class PrometheusWriter {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, double value, const Labels& labels = {});
  // A histogram family's samples: _bucket (with le), _sum and _count.
  void histogram(std::string_view name, const Histogram::Snapshot& h, const Labels& labels = {});

  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace swirl::core
