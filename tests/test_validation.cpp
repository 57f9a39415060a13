// Display-name rules and token helpers on their own.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <thread>

#include "swirl/auth/tokens.hpp"
#include "swirl/core/random.hpp"
#include "swirl/users/display_name.hpp"

using swirl::users::NameError;
using swirl::users::validate_display_name;

namespace {
std::string ok(std::string_view in) {
  auto r = validate_display_name(in);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}
std::string err(std::string_view in) {
  auto r = validate_display_name(in);
  REQUIRE(std::holds_alternative<NameError>(r));
  return std::get<NameError>(r).message;
}
}  // namespace

TEST_CASE("display names are trimmed and counted in characters", "[validation]") {
  CHECK(ok("Ada") == "Ada");
  CHECK(ok("  Ada Lovelace \t") == "Ada Lovelace");
  CHECK(ok("\xC2\xA0Zoë\xE3\x80\x80") == "Zoë");  // NBSP and ideographic space trimmed
  CHECK(ok(std::string(40, 'x')) == std::string(40, 'x'));
  std::string forty_kanji;
  for (int i = 0; i < 40; ++i) forty_kanji += "\xE6\xBC\xA2";  // 漢, 3 bytes each
  CHECK(ok(forty_kanji) == forty_kanji);
  std::string emoji;
  for (int i = 0; i < 40; ++i) emoji += "\xF0\x9F\x98\x80";  // 😀, 4 bytes each
  CHECK(ok(emoji) == emoji);
}

TEST_CASE("display names that break a rule say which", "[validation]") {
  CHECK_THAT(err(""), Catch::Contains("empty"));
  CHECK_THAT(err("   "), Catch::Contains("empty"));
  CHECK_THAT(err(std::string(41, 'x')), Catch::Contains("at most 40"));
  CHECK_THAT(err("a\x01"
                 "b"),
             Catch::Contains("control"));
  CHECK_THAT(err("a\nb"), Catch::Contains("control"));
  CHECK_THAT(err("a\x7F"), Catch::Contains("control"));
  CHECK_THAT(err("a\xE2\x80\xAE"
                 "b"),
             Catch::Contains("control"));  // RIGHT-TO-LEFT OVERRIDE
  CHECK_THAT(err("\xFF"), Catch::Contains("UTF-8"));
  CHECK_THAT(err("\xC0\xAF"), Catch::Contains("UTF-8"));          // overlong '/'
  CHECK_THAT(err("\xED\xA0\x80"), Catch::Contains("UTF-8"));      // surrogate
  CHECK_THAT(err("\xF4\x90\x80\x80"), Catch::Contains("UTF-8"));  // above U+10FFFF
  CHECK_THAT(err("abc\xE6\xBC"), Catch::Contains("UTF-8"));       // truncated
}

TEST_CASE("ids from the buffered random source are distinct across refills, threads and a fork", "[validation][auth]") {
  // 12-byte ids come 42 to a 512-byte refill: 20,000 of them span ~480 refills.
  std::set<std::string> seen;
  std::array<std::size_t, 64> first_char{};
  for (int i = 0; i < 20000; ++i) {
    auto id = swirl::core::new_id();
    REQUIRE(id.size() == 16);
    CHECK(seen.insert(id).second);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    first_char[alphabet.find(id[0])]++;
  }
  // Uniform over 64 symbols: ~312 each; a stuck or repeating buffer would be far off.
  for (auto n : first_char) {
    CHECK(n > 200);
    CHECK(n < 450);
  }
  std::vector<std::string> other(2000);
  std::thread t([&] {
    for (auto& id : other) id = swirl::core::new_id();
  });
  t.join();
  for (const auto& id : other) CHECK(seen.count(id) == 0);

  // After a fork, parent and child must not hand out the same buffered bytes.
  (void)swirl::core::new_id();  // the buffer holds unused bytes now
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto id = swirl::core::new_id();
    ssize_t w = write(fds[1], id.data(), id.size());
    _exit(w == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  auto mine = swirl::core::new_id();
  char child[16];
  ssize_t got = read(fds[0], child, sizeof child);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  close(fds[1]);
  REQUIRE(got == 16);
  CHECK(WIFEXITED(status));
  CHECK(std::string(child, 16) != mine);
}

TEST_CASE("tokens are long, random and only their hash is comparable", "[validation][auth]") {
  auto a = swirl::auth::new_token(), b = swirl::auth::new_token();
  CHECK(a.size() == 43);
  CHECK(a != b);
  CHECK(swirl::auth::looks_like_token(a));
  CHECK_FALSE(swirl::auth::looks_like_token(a + "x"));
  CHECK_FALSE(swirl::auth::looks_like_token(std::string(43, '*')));
  CHECK(swirl::auth::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(swirl::auth::constant_time_equal("abc", "abc"));
  CHECK_FALSE(swirl::auth::constant_time_equal("abc", "abd"));
  CHECK_FALSE(swirl::auth::constant_time_equal("abc", "abcd"));
  CHECK(swirl::auth::bearer_token("Bearer xyz") == std::optional<std::string>("xyz"));
  CHECK(swirl::auth::bearer_token("bearer  xyz ") == std::optional<std::string>("xyz"));
  CHECK_FALSE(swirl::auth::bearer_token("Basic xyz"));
  CHECK_FALSE(swirl::auth::bearer_token("Bearer "));
}
