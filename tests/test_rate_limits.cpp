// The abuse limits' pure parts: token buckets and their Retry-After, the bounded address
// table, the client address behind trusted proxies, and the WebSocket Origin policy.
#include <catch2/catch.hpp>

#include "swirl/http/client_address.hpp"
#include "swirl/http/origin_policy.hpp"
#include "swirl/http/rate_limiter.hpp"

using namespace swirl::http;
using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

namespace {

RateLimits limits(double http_rate, double http_burst, double per_minute = 0, std::size_t max_addresses = 1000) {
  RateLimits l;
  l.buckets[0] = {http_rate, http_burst};
  l.buckets[1] = {per_minute / 60.0, per_minute};
  l.max_addresses = max_addresses;
  return l;
}

Request request_with(std::initializer_list<std::pair<std::string, std::string>> headers) {
  Request req{bhttp::verb::get, "/api/lobbies/x/ws", 11};
  for (const auto& [name, value] : headers) req.insert(name, value);
  return req;
}

}  // namespace

TEST_CASE("a token bucket allows its burst, then refuses with the seconds until the next token", "[abuse][unit]") {
  auto limiter = std::make_shared<RateLimiter>(limits(2, 3, 3));
  auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter->take(LimitKind::http_request, "10.0.0.1", t0));
  auto wait = limiter->take(LimitKind::http_request, "10.0.0.1", t0);
  REQUIRE(wait);
  CHECK(*wait == 1s);  // half a second, rounded up
  CHECK(limiter->take(LimitKind::http_request, "10.0.0.1", t0 + 400ms));
  CHECK_FALSE(limiter->take(LimitKind::http_request, "10.0.0.1", t0 + 510ms));
  // Another address has its own bucket.
  CHECK_FALSE(limiter->take(LimitKind::http_request, "10.0.0.2", t0));

  // 3 a minute: one token every 20 s. Empty at t0, so the answer is 20 s, and it is right:
  // refused just before, allowed at it.
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter->take(LimitKind::user_creation, "10.0.0.1", t0));
  auto users_wait = limiter->take(LimitKind::user_creation, "10.0.0.1", t0);
  REQUIRE(users_wait);
  CHECK(*users_wait == 20s);
  CHECK(limiter->take(LimitKind::user_creation, "10.0.0.1", t0 + 10s) == std::optional(10s));  // half a token there
  CHECK(limiter->take(LimitKind::user_creation, "10.0.0.1", t0 + 19'900ms));
  CHECK_FALSE(limiter->take(LimitKind::user_creation, "10.0.0.1", t0 + 20s));
  CHECK(limiter->limited(LimitKind::user_creation) == 3);
  CHECK(limiter->limited(LimitKind::http_request) == 2);
  // A kind with no limit never refuses and tracks nothing new.
  for (int i = 0; i < 100; ++i) CHECK_FALSE(limiter->take(LimitKind::lobby_creation, "10.9.9.9", t0));
  CHECK(limiter->tracked() == 2);
}

TEST_CASE("IPv6 addresses share a bucket per /64, and IPv4-mapped IPv6 is the IPv4 address", "[abuse][unit]") {
  CHECK(address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9"));
  CHECK(address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1"));
  CHECK(address_key("::ffff:192.0.2.7") == "192.0.2.7");
  auto limiter = std::make_shared<RateLimiter>(limits(1, 1));
  auto t0 = Clock::now();
  CHECK_FALSE(limiter->take(LimitKind::http_request, "2001:db8:1:2::1", t0));
  CHECK(limiter->take(LimitKind::http_request, "2001:db8:1:2::abcd", t0));
  CHECK_FALSE(limiter->take(LimitKind::http_request, "2001:db8:1:3::1", t0));
}

TEST_CASE("the address table is capped and forgets idle addresses", "[abuse][unit]") {
  auto limiter = std::make_shared<RateLimiter>(limits(10, 20, 6, 4));
  CHECK(limiter->idle_expiry() == 60s);  // the slowest bucket: 6 a minute refills in 60 s
  auto t0 = Clock::now();
  for (int i = 0; i < 10; ++i) limiter->take(LimitKind::http_request, "10.0.1." + std::to_string(i), t0);
  CHECK(limiter->tracked() == 4);
  CHECK(limiter->evicted() == 6);
  // The survivors are the most recent: 10.0.1.9 is still empty-handed after its burst.
  for (int i = 0; i < 19; ++i) limiter->take(LimitKind::http_request, "10.0.1.9", t0);
  CHECK(limiter->take(LimitKind::http_request, "10.0.1.9", t0));

  // An open WebSocket keeps its address; the others expire after idle_expiry.
  auto slot = limiter->open_ws("10.0.1.8", t0);
  REQUIRE(slot);
  CHECK(limiter->purge(t0 + 59s) == 0);
  CHECK(limiter->purge(t0 + 61s) == 3);
  CHECK(limiter->tracked() == 1);
  // A full table evicts around the WebSocket's entry, never it.
  for (int i = 0; i < 8; ++i) limiter->take(LimitKind::http_request, "10.0.2." + std::to_string(i), t0 + 62s);
  CHECK(limiter->tracked() == 4);
  slot.reset();
  CHECK(limiter->purge(t0 + 200s) == 4);
  CHECK(limiter->tracked() == 0);
}

TEST_CASE("WebSockets per address are counted until their slot goes", "[abuse][unit]") {
  auto l = limits(0, 0);
  l.ws_per_address = 2;
  auto limiter = std::make_shared<RateLimiter>(l);
  auto a = limiter->open_ws("10.0.0.1");
  auto b = limiter->open_ws("10.0.0.1");
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(limiter->open_ws("10.0.0.1"));
  CHECK(limiter->open_ws("10.0.0.2"));
  CHECK(limiter->ws_refused() == 1);
  a.reset();
  CHECK(limiter->open_ws("10.0.0.1"));
}

TEST_CASE("an address is written as Asio's to_string writes it", "[abuse][unit][proxy]") {
  for (const char* a : {"0.0.0.0", "127.0.0.1", "10.0.12.3", "192.168.100.200", "255.255.255.255", "1.22.3.44", "::1",
                        "::ffff:198.51.100.3", "2001:db8::8a2e:370:7334", "fe80::1"}) {
    auto address = boost::asio::ip::make_address(a);
    CHECK(swirl::http::address_text(address) == address.to_string());
    CHECK(swirl::http::address_text(address) == a);
  }
}

TEST_CASE("the client address comes from the configured header only through trusted proxies", "[abuse][unit][proxy]") {
  auto trusted = swirl::core::AddressAllowlist::parse({"127.0.0.1", "10.0.0.0/8"});
  ClientAddress plain;
  ClientAddress behind(trusted, "X-Forwarded-For");
  auto xff = [](const std::string& v) { return request_with({{"X-Forwarded-For", v}}); };

  // Without the flags the header is ignored.
  CHECK(plain.resolve("127.0.0.1", xff("203.0.113.9")) == "127.0.0.1");
  CHECK(plain.resolve("::ffff:198.51.100.3", xff("203.0.113.9")) == "198.51.100.3");
  // The peer is not a trusted proxy: its header is anybody's word.
  CHECK(behind.resolve("198.51.100.3", xff("203.0.113.9")) == "198.51.100.3");
  // Through a trusted proxy: the rightmost hop that is not a trusted proxy.
  CHECK(behind.resolve("127.0.0.1", xff("203.0.113.9")) == "203.0.113.9");
  CHECK(behind.resolve("127.0.0.1", xff("6.6.6.6, 203.0.113.9")) == "203.0.113.9");          // forged left part
  CHECK(behind.resolve("127.0.0.1", xff("203.0.113.9, 10.1.2.3")) == "203.0.113.9");         // two proxies
  CHECK(behind.resolve("127.0.0.1", xff("10.9.9.9, 10.1.2.3")) == "10.9.9.9");               // all trusted: leftmost
  CHECK(behind.resolve("127.0.0.1", xff("203.0.113.9, nonsense, 10.1.2.3")) == "10.1.2.3");  // garbage stops the walk
  CHECK(behind.resolve("127.0.0.1", xff("[2001:db8::1]")) == "2001:db8::1");
  CHECK(behind.resolve("127.0.0.1", request_with({})) == "127.0.0.1");  // no header: the proxy itself
  // Several header lines are one list, in order.
  CHECK(behind.resolve("127.0.0.1", request_with({{"X-Forwarded-For", "6.6.6.6"},
                                                  {"x-forwarded-for", "203.0.113.9"}})) == "203.0.113.9");
}

TEST_CASE("the WebSocket Origin policy", "[abuse][unit][origin]") {
  auto req = [](const std::string& host, std::optional<std::string> origin) {
    Request r{bhttp::verb::get, "/api/lobbies/x/ws", 11};
    r.set(bhttp::field::host, host);
    if (origin) r.set(bhttp::field::origin, *origin);
    return r;
  };
  OriginPolicy same({}, "");
  CHECK(same.allows(req("swirl.example.org", std::nullopt)));  // not a browser
  CHECK(same.allows(req("swirl.example.org", "https://swirl.example.org")));
  CHECK(same.allows(req("Swirl.Example.org:8443", "https://swirl.example.org:8443/")));
  CHECK_FALSE(same.allows(req("swirl.example.org", "https://evil.example")));
  CHECK_FALSE(same.allows(req("swirl.example.org", "https://swirl.example.org.evil.example")));
  CHECK_FALSE(same.allows(req("swirl.example.org", "null")));
  CHECK_FALSE(same.allows(req("swirl.example.org", "https://swirl.example.org:444")));

  OriginPolicy with_public({}, "https://swirl.example.org/base");
  CHECK(with_public.allows(req("10.0.0.5:8080", "https://swirl.example.org")));
  CHECK(with_public.allows(req("10.0.0.5:8080", "http://10.0.0.5:8080")));

  OriginPolicy listed({"https://app.example", "http://localhost:5173"}, "");
  CHECK(listed.allows(req("api.example", "https://APP.example")));
  CHECK(listed.allows(req("api.example", "http://localhost:5173")));
  CHECK_FALSE(listed.allows(req("api.example", "https://api.example")));  // a list replaces same-origin

  OriginPolicy any({"*"}, "");
  CHECK(any.allows(req("a", "https://anything.example")));
  CHECK(any.allows(req("a", "null")));
  CHECK_THROWS_AS(OriginPolicy({"https://app.example/path"}, ""), std::invalid_argument);
}
