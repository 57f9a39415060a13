// WebSocket strictness (issues 17 and 19), at the frame level: replies already due go out
// before the close frame of a protocol error; invalid UTF-8 fails at the first fragment that
// proves it; pings count toward the message rate.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/interactions.hpp"
#include "support/raw_ws.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/ws/frame.hpp"

using namespace swirl::test;
using nlohmann::json;

namespace {

struct Joined {
  explicit Joined(const std::function<void(swirl::core::Config&)>& tweak = {}) : server(Backend::sqlite, tweak) {}
  TestServer server;
  Interactions it{server};
  SimUser& ada = it.user("Ada");
  std::string lobby = it.create_lobby(ada);
  RawWs ws{server.port()};

  void open() { REQUIRE(ws.handshake(RawWs::request(lobby, ada.token)).rfind("HTTP/1.1 101", 0) == 0); }
};

// Every frame up to and including the close frame (or EOF), in order.
std::vector<RawWs::Frame> frames_until_close(RawWs& ws) {
  std::vector<RawWs::Frame> out;
  while (auto f = ws.read_frame()) {
    out.push_back(*f);
    if (f->opcode == 0x8) break;
  }
  return out;
}

std::vector<std::string> error_codes(const std::vector<RawWs::Frame>& frames) {
  std::vector<std::string> codes;
  for (const auto& f : frames)
    if (f.opcode == 0x1) {
      auto m = json::parse(f.payload);
      if (m.value("type", "") == "error") codes.push_back(m["code"]);
    }
  return codes;
}

}  // namespace

TEST_CASE("UTF-8 checked piece by piece: whole characters, a character cut short, proof of error",
          "[ws][frame][utf8]") {
  using swirl::ws::utf8_complete_prefix;
  CHECK(utf8_complete_prefix("plain ascii text") == std::optional<std::size_t>(16));
  CHECK(utf8_complete_prefix("caf\xC3") == std::optional<std::size_t>(3));        // é cut after its lead
  CHECK(utf8_complete_prefix("\xF0\x9F\x98") == std::optional<std::size_t>(0));   // 😀 missing its last byte
  CHECK(utf8_complete_prefix("\xE2\x82\xAC!") == std::optional<std::size_t>(4));  // € then !
  // Proven wrong before the character is complete: the second byte rules it out.
  CHECK_FALSE(utf8_complete_prefix("ok \xE0\x80"));  // overlong three-byte form
  CHECK_FALSE(utf8_complete_prefix("\xED\xA0"));     // a surrogate
  CHECK_FALSE(utf8_complete_prefix("\xF4\x90"));     // past U+10FFFF
  CHECK_FALSE(utf8_complete_prefix("\xF0\x80"));     // overlong four-byte form
  CHECK_FALSE(utf8_complete_prefix("\xC0"));         // never a lead byte
  CHECK_FALSE(utf8_complete_prefix("a\x80"));        // a continuation with no lead
  CHECK_FALSE(utf8_complete_prefix("\xC3("));        // lead then not a continuation
  // The whole-message check agrees with it.
  CHECK(swirl::ws::valid_utf8("caf\xC3\xA9"));
  CHECK_FALSE(swirl::ws::valid_utf8("caf\xC3"));
}

TEST_CASE("replies already due are sent before the close frame of a protocol error", "[ws][wire][strict]") {
  struct Case {
    const char* what;
    std::string bad;
    std::uint16_t code;
  };
  std::vector<Case> cases = {
      {"an unmasked frame", client_frame(0x81, "{}", false), 1002},
      {"a reserved opcode", client_frame(0x83, "{}"), 1002},
      {"text that is not UTF-8", text_frame("{\"type\":\"\xC0\x80\"}"), 1007},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      Joined j;
      j.open();
      // Two valid messages (one answered by the session, one by the lobby) and the bad frame,
      // all in one write, so they are read and handled together.
      j.ws.write(text_frame(R"({"type":"no_such_type"})") + text_frame(R"({"type":"leave_match"})") + c.bad);
      auto frames = frames_until_close(j.ws);
      REQUIRE(!frames.empty());
      CHECK(frames.back().opcode == 0x8);
      CHECK(frames.back().close_code() == c.code);
      CHECK(error_codes(frames) == std::vector<std::string>{"unknown_type", "not_in_match"});
      CHECK(j.ws.sees_eof());
    }
  }
}

TEST_CASE("invalid UTF-8 fails the message at the first fragment that proves it, with 1007",
          "[ws][wire][strict][utf8]") {
  SECTION("the first fragment holds a byte that is never UTF-8") {
    Joined j;
    j.open();
    // Not final: the server must not wait for the rest of the message.
    j.ws.write(client_frame(0x01, "{\"type\":\"\xC0"));
    auto close = j.ws.read_close();
    CHECK(close.close_code() == 1007);
    CHECK(j.ws.sees_eof());
  }
  SECTION("a character cut between fragments, proven wrong by the next fragment's first byte") {
    Joined j;
    j.open();
    j.ws.write(client_frame(0x01, "{\"type\":\"\xE0"));  // a valid start so far
    j.ws.write(client_frame(0x00, "\x80\x80 more"));     // E0 80: overlong; still not final
    CHECK(j.ws.read_close().close_code() == 1007);
  }
  SECTION("a character cut short by the end of the message") {
    Joined j;
    j.open();
    j.ws.write(client_frame(0x01, "{\"type\":\"x") + client_frame(0x80, "\"}\xC3"));
    CHECK(j.ws.read_close().close_code() == 1007);
  }
  SECTION("a character split across fragments is fine") {
    Joined j;
    j.open();
    j.ws.write(client_frame(0x01, "{\"type\":\"caf\xC3") + client_frame(0x00, "\xA9") + client_frame(0x80, "\"}"));
    CHECK(json::parse(j.ws.read_error().payload)["code"] == "unknown_type");
    CHECK(j.server.app().ws_counters().closed_protocol_error.load() == 0);
  }
}

TEST_CASE("pings count toward the message rate: a flood of pings is cut off and closed with 1008",
          "[ws][wire][strict][limits]") {
  Joined j([](swirl::core::Config& c) {
    c.ws_rate_per_second = 10;
    c.ws_rate_burst = 20;
  });
  j.open();
  std::string flood;
  for (int i = 0; i < 500; ++i) flood += client_frame(0x89, "p" + std::to_string(i));
  j.ws.write(flood);
  int pongs = 0;
  bool rate_limited = false;
  std::optional<RawWs::Frame> close;
  while (auto f = j.ws.read_frame()) {
    if (f->opcode == 0xA) ++pongs;
    if (f->opcode == 0x1 && json::parse(f->payload).value("code", "") == "rate_limited") rate_limited = true;
    if (f->opcode == 0x8) {
      close = *f;
      break;
    }
  }
  INFO("pongs: " << pongs);
  // The burst is answered (and perhaps a token or two refilled meanwhile); the rest is refused.
  CHECK(pongs >= 20);
  CHECK(pongs <= 25);
  CHECK(rate_limited);
  REQUIRE(close);
  CHECK(close->close_code() == 1008);
  CHECK(close->payload.substr(2) == "rate limit exceeded");
  CHECK(j.server.app().ws_counters().closed_rate_limit.load() == 1);
}

TEST_CASE("pings within the rate are all answered", "[ws][wire][limits]") {
  Joined j([](swirl::core::Config& c) {
    c.ws_rate_per_second = 10;
    c.ws_rate_burst = 20;
  });
  j.open();
  for (int i = 0; i < 15; ++i) j.ws.write(client_frame(0x89, "p" + std::to_string(i)));
  for (int i = 0; i < 15; ++i) {
    auto pong = j.ws.read_until([](const RawWs::Frame& f) { return f.opcode == 0xA; });
    CHECK(pong.payload == "p" + std::to_string(i));
  }
  CHECK(j.server.app().ws_counters().closed_rate_limit.load() == 0);
}

TEST_CASE("a join's handshake response, welcome and first lobby snapshot leave in one write", "[ws][wire]") {
  Joined j;
  j.open();
  auto welcome = j.ws.read_frame();
  REQUIRE(welcome);
  CHECK(json::parse(welcome->payload)["type"] == "welcome");
  auto status = j.ws.read_frame();
  REQUIRE(status);
  CHECK(json::parse(status->payload)["type"] == "lobby_status");
  CHECK(json::parse(status->payload)["member_count"] == 1);
  // The only connection this server has had: the 101 and both frames were one sendmsg. (The
  // server counts a write after it returns, which can be after the client has read it.)
  auto& counters = j.server.app().ws_counters();
  REQUIRE(wait_until([&] { return counters.messages_out.load() == 2; }));  // the 101 is not a message
  CHECK(counters.accepted.load() == 1);
  CHECK(counters.write_calls.load() == 1);
}
