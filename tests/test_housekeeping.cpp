// Memory housekeeping (app/housekeeping.hpp): after lobbies shut down the server gives free
// heap pages back to the operating system and drops expired token-cache entries; a pass is
// measured in its counters. Black-box through a real server for the trigger, and directly for
// what a pass does.
#include <catch2/catch.hpp>

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/app/housekeeping.hpp"
#include "swirl/auth/token_cache.hpp"
#include "swirl/core/blocking_pool.hpp"

using namespace swirl::test;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SWIRL_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SWIRL_TEST_ASAN 1
#endif
// ThreadSanitizer replaces malloc too, with an allocator that malloc_trim cannot empty.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SWIRL_TEST_OWN_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(SWIRL_TEST_ASAN)
#define SWIRL_TEST_OWN_ALLOCATOR 1
#endif

TEST_CASE("the token cache drops expired entries on request, and only those", "[auth][cache][housekeeping]") {
  // Long enough that both entries are in before the first expires, even under a sanitizer
  // (a put drops what has expired, so with 1 ms the first could go before the second came).
  swirl::auth::TokenCache cache(std::chrono::milliseconds(200), 10);
  swirl::storage::User ada{"u-ada", "Ada", 0, 0};
  swirl::storage::User bob{"u-bob", "Bob", 0, 0};
  cache.put("hash-ada", ada, cache.find("hash-ada").generation);
  cache.put("hash-bob", bob, cache.find("hash-bob").generation);
  REQUIRE(cache.size() == 2);
  std::size_t dropped = 0;
  CHECK(wait_until([&] {
    dropped += cache.purge_expired();
    return cache.size() == 0;
  }));
  CHECK(dropped == 2);
  CHECK(cache.purge_expired() == 0);

  swirl::auth::TokenCache lasting(std::chrono::hours(1), 10);
  lasting.put("hash-ada", ada, lasting.find("hash-ada").generation);
  CHECK(lasting.purge_expired() == 0);
  CHECK(lasting.size() == 1);
  CHECK(lasting.find("hash-ada").user);
}

TEST_CASE("a housekeeping pass gives free heap pages back to the operating system", "[housekeeping][memory]") {
  boost::asio::io_context ioc;
  swirl::core::BlockingPool pool(1, 16);
  swirl::auth::TokenCache tokens(std::chrono::milliseconds(5000), 16);
  auto keeper = std::make_shared<swirl::Housekeeper>(ioc, pool, tokens, std::chrono::milliseconds(1000));

  // 24 MiB in 1 KiB blocks, touched; all freed but the last, which keeps the freed space off
  // the top of the heap, where free() alone would give it back.
  constexpr std::size_t kBlocks = 24 * 1024;
  std::vector<char*> blocks;
  blocks.reserve(kBlocks);
  for (std::size_t i = 0; i < kBlocks; ++i) {
    blocks.push_back(static_cast<char*>(std::malloc(1024)));
    std::memset(blocks.back(), 0x5a, 1024);
  }
  for (std::size_t i = 0; i + 1 < kBlocks; ++i) std::free(blocks[i]);
  auto before = swirl::resident_kib();
  keeper->run_pass();
  auto after = swirl::resident_kib();
  std::free(blocks.back());

  const auto& c = keeper->counters();
  CHECK(c.passes.load() == 1);
  CHECK(c.last_pass_us.load() > 0);
  CHECK(before > 0);
#ifndef SWIRL_TEST_OWN_ALLOCATOR  // a sanitizer's allocator (ASan: freed memory waits in quarantine)
  CHECK(before - after >= 16 * 1024);
  CHECK(c.last_released_kib.load() >= 16 * 1024);
  CHECK(c.released_kib.load() == c.last_released_kib.load());
#else
  (void)after;
#endif
}

TEMPLATE_TEST_CASE("lobbies that shut down start one housekeeping pass after the delay", "[housekeeping][supervisor]",
                   SqliteBackend, PostgresBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    c.resume_grace = std::chrono::milliseconds(100);
    c.lobby_idle_shutdown = std::chrono::milliseconds(100);
    c.token_cache_ttl = std::chrono::milliseconds(200);
    c.memory_trim_delay = std::chrono::milliseconds(300);
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto first = it.create_lobby(ada, "First");
  auto second = it.create_lobby(bob, "Second");
  ada.join(first);
  bob.join(second);
  auto& app = server.app();
  const auto& counters = app.housekeeper().counters();
  CHECK(app.token_cache().size() >= 1);  // (Ada's may have gone already if setup took 200 ms)
  CHECK(counters.passes.load() == 0);    // nothing has stopped yet

  ada.ws->close();
  bob.ws->close();
  CHECK(wait_until([&] { return app.supervisor().live_lobbies() == 0; }));
  CHECK(wait_until([&] { return counters.passes.load() >= 1; }));
  // The pass came at least grace + idle + delay (500 ms) after the last sign-in, past the
  // tokens' 200 ms: it dropped what was left of them, and nothing signed in since.
  CHECK(counters.token_entries_expired.load() >= 1);
  CHECK(app.token_cache().size() == 0);
}

TEMPLATE_TEST_CASE("with --memory-trim-delay-ms=0 no housekeeping pass runs", "[housekeeping][config]", SqliteBackend) {
  TestServer server(TestType::value, [](swirl::core::Config& c) {
    c.resume_grace = std::chrono::milliseconds(50);
    c.lobby_idle_shutdown = std::chrono::milliseconds(50);
    c.memory_trim_delay = std::chrono::milliseconds(0);
  });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  ada.join(lobby);
  ada.ws->close();
  auto& app = server.app();
  CHECK(wait_until([&] { return app.supervisor().live_lobbies() == 0; }));
  // The lobby is gone; a pass, were one armed, would come within a few milliseconds.
  CHECK_FALSE(
      wait_until([&] { return app.housekeeper().counters().passes.load() > 0; }, std::chrono::milliseconds(300)));
}
