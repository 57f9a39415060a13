// Operations building blocks (issue 16): the /metrics address allowlist, the histogram and
// gauge parts of core/metrics.hpp, the Prometheus text writer's escaping, and the new options.
// The endpoints themselves are tested black-box in tests/e2e/specs/ops.test.mjs.
#include <catch2/catch.hpp>

#include "swirl/core/address_allowlist.hpp"
#include "swirl/core/config.hpp"
#include "swirl/core/metrics.hpp"

using swirl::core::AddressAllowlist;

TEST_CASE("the metrics allowlist matches addresses and networks, v4, v6 and v4-mapped", "[ops]") {
  auto list = AddressAllowlist::parse({"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"});
  CHECK(list.allows("127.0.0.1"));
  CHECK_FALSE(list.allows("127.0.0.2"));
  CHECK(list.allows("10.200.3.4"));
  CHECK_FALSE(list.allows("11.0.0.1"));
  CHECK(list.allows("::1"));
  CHECK(list.allows("fd12:3456::1"));
  CHECK_FALSE(list.allows("fe80::1"));
  CHECK(list.allows("::ffff:10.1.2.3"));
  CHECK_FALSE(list.allows("::ffff:192.168.1.1"));
  CHECK_FALSE(list.allows("not an address"));
  CHECK_FALSE(AddressAllowlist::parse({}).allows("127.0.0.1"));
  CHECK(AddressAllowlist::parse({"0.0.0.0/0"}).allows("203.0.113.9"));
}

TEST_CASE("a bad allowlist entry is refused with its text", "[ops]") {
  CHECK_THROWS_WITH(AddressAllowlist::parse({"10.0.0.0/33"}), Catch::Contains("10.0.0.0/33"));
  CHECK_THROWS_WITH(AddressAllowlist::parse({"localhost"}), Catch::Contains("localhost"));
  auto r = swirl::core::parse_config({"--metrics-allow=127.0.0.1,nope"}, {});
  CHECK_FALSE(r.config);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.message, Catch::Contains("--metrics-allow") && Catch::Contains("nope"));
}

TEST_CASE("the operations options: defaults, environment and flags", "[ops][config]") {
  auto d = swirl::core::parse_config({}, {});
  REQUIRE(d.config);
  CHECK(d.config->shutdown_drain == std::chrono::milliseconds(10'000));
  CHECK(d.config->database_wait == std::chrono::milliseconds(0));
  CHECK((d.config->metrics_allow == std::vector<std::string>{"127.0.0.1", "::1"}));
  auto r = swirl::core::parse_config({"--shutdown-drain-ms=2500"},
                                     {{"SWIRL_METRICS_ALLOW", "10.0.0.0/8, ::1"}, {"SWIRL_DATABASE_WAIT_MS", "30000"}});
  REQUIRE(r.config);
  CHECK(r.config->shutdown_drain == std::chrono::milliseconds(2500));
  CHECK(r.config->database_wait == std::chrono::milliseconds(30'000));
  CHECK((r.config->metrics_allow == std::vector<std::string>{"10.0.0.0/8", "::1"}));
  CHECK_FALSE(swirl::core::parse_config({"--shutdown-drain-ms=0"}, {}).config);
}

TEST_CASE("histogram buckets are cumulative and +Inf is the count", "[ops]") {
  swirl::core::Histogram h;
  h.observe(std::chrono::microseconds(300));  // <= 0.5 ms
  h.observe(std::chrono::milliseconds(3));    // <= 5 ms
  h.observe(std::chrono::milliseconds(3));
  h.observe(std::chrono::seconds(30));  // above every bound
  auto s = h.snapshot();
  CHECK(s.count == 4);
  CHECK(s.cumulative[0] == 1);      // le=0.0005
  CHECK(s.cumulative[2] == 1);      // le=0.0025
  CHECK(s.cumulative[3] == 3);      // le=0.005
  CHECK(s.cumulative.back() == 3);  // le=10
  CHECK(s.sum_seconds == Approx(30.0063));
}

TEST_CASE("a gauge share adds its changes and takes its part back when it goes", "[ops]") {
  swirl::core::Gauge g;
  {
    swirl::core::GaugeShare a(g), b(g);
    a.publish(3);
    b.publish(2);
    CHECK(g.value() == 5);
    a.publish(1);
    CHECK(g.value() == 3);
  }
  CHECK(g.value() == 0);
}

TEST_CASE("the Prometheus writer escapes label values and writes histograms", "[ops]") {
  swirl::core::PrometheusWriter w;
  w.family("x_total", "counter", "a help\nwith a newline");
  w.sample("x_total", 2, {{"route", "a\"b\\c\nd"}});
  swirl::core::Histogram h;
  h.observe(std::chrono::milliseconds(1));
  w.family("y_seconds", "histogram", "y");
  w.histogram("y_seconds", h.snapshot(), {{"route", "/r"}});
  const auto& t = w.text();
  CHECK_THAT(t, Catch::Contains("# HELP x_total a help with a newline\n# TYPE x_total counter\n"));
  CHECK_THAT(t, Catch::Contains(R"(x_total{route="a\"b\\c\nd"} 2)"));
  CHECK_THAT(t, Catch::Contains(R"(y_seconds_bucket{route="/r",le="0.0005"} 0)"));
  CHECK_THAT(t, Catch::Contains(R"(y_seconds_bucket{route="/r",le="0.001"} 1)"));
  CHECK_THAT(t, Catch::Contains(R"(y_seconds_bucket{route="/r",le="+Inf"} 1)"));
  CHECK_THAT(t, Catch::Contains("y_seconds_count{route=\"/r\"} 1\n"));
}
