// Display-name rules and token helpers on their own.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>

#include "swirl/auth/tokens.hpp"
#include "swirl/core/digest.hpp"
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

namespace {
std::string digest_hex(swirl::core::DigestKind kind, std::string_view data) {
  swirl::core::DigestBytes d{};
  std::size_t n = swirl::core::digest(kind, data, d);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", d[i]);
    out += b;
  }
  return out;
}
}  // namespace

TEST_CASE("digests match the FIPS 180 examples, and OpenSSL on every length around the block edges",
          "[validation][auth]") {
  using swirl::core::DigestKind;
  const std::string million(1'000'000, 'a');
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  // Alternate kinds and sizes, and repeat each: no state is left over from the call before.
  for (int round = 0; round < 3; ++round) {
    CHECK(digest_hex(DigestKind::sha256, "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(digest_hex(DigestKind::sha1, "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(digest_hex(DigestKind::sha256, two_blocks) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(digest_hex(DigestKind::sha1, "") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(digest_hex(DigestKind::sha1, million) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    CHECK(digest_hex(DigestKind::sha256, million) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
  // Every length from 0 to 300 bytes (the padding's edges: 55/56, 63/64, 119/120 …) against
  // OpenSSL, on bytes of every value.
  std::string input;
  for (std::size_t len = 0; len <= 300; ++len) {
    for (auto [kind, md] : {std::pair{DigestKind::sha1, EVP_sha1()}, std::pair{DigestKind::sha256, EVP_sha256()}}) {
      unsigned char want[EVP_MAX_MD_SIZE];
      unsigned int want_len = 0;
      REQUIRE(EVP_Digest(input.data(), input.size(), want, &want_len, md, nullptr) == 1);
      swirl::core::DigestBytes got{};
      REQUIRE(swirl::core::digest(kind, input, got) == want_len);
      INFO("length " << len);
      CHECK(std::memcmp(got.data(), want, want_len) == 0);
    }
    input += static_cast<char>((len * 167 + 13) & 0xff);
  }
  // No shared state: four threads hashing at once agree with this one.
  const std::string want = digest_hex(DigestKind::sha256, two_blocks);
  std::array<std::string, 4> got;
  std::vector<std::thread> threads;
  for (auto& g : got)
    threads.emplace_back([&g, &two_blocks] {
      for (int i = 0; i < 1000; ++i) g = digest_hex(DigestKind::sha256, two_blocks);
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) CHECK(g == want);
}
