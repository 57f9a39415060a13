// The WebSocket layer: RFC 6455 framing as pure functions, then the server's behaviour on the
// wire, driven by a raw TCP client that writes frames byte by byte where it matters.
#include <catch2/catch.hpp>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "support/interactions.hpp"
#include "support/raw_ws.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/ws/frame.hpp"
#include "swirl/ws/handshake.hpp"

using namespace swirl::test;
using namespace swirl::ws;
using nlohmann::json;
namespace asio = boost::asio;

namespace {

struct Joined {
  TestServer server{Backend::sqlite};
  Interactions it{server};
  SimUser& ada = it.user("Ada");
  std::string lobby = it.create_lobby(ada);
  RawWs ws{server.port()};
};

}  // namespace

TEST_CASE("frame headers: lengths, masks and the rules for control frames", "[ws][frame]") {
  auto h = parse_client_header(client_frame(0x81, "hello"));
  REQUIRE(h.status == HeaderStatus::complete);
  CHECK(h.header.fin);
  CHECK(h.header.opcode == Opcode::text);
  CHECK(h.header.payload_length == 5);
  CHECK(h.header.header_length == 6);

  auto h16 = parse_client_header(client_frame(0x82, std::string(300, 'x')));
  REQUIRE(h16.status == HeaderStatus::complete);
  CHECK(h16.header.payload_length == 300);
  CHECK(h16.header.header_length == 8);
  auto h64 = parse_client_header(client_frame(0x82, std::string(70000, 'x')));
  REQUIRE(h64.status == HeaderStatus::complete);
  CHECK(h64.header.payload_length == 70000);
  CHECK(h64.header.header_length == 14);

  // Every prefix of a header asks for more.
  auto full = client_frame(0x81, std::string(300, 'x'));
  for (std::size_t n = 0; n < 8; ++n)
    CHECK(parse_client_header(std::string_view(full).substr(0, n)).status == HeaderStatus::need_more);

  auto error = [](std::string f) { return parse_client_header(f).status == HeaderStatus::protocol_error; };
  CHECK(error(client_frame(0x81, "x", false)));                     // unmasked
  CHECK(error(client_frame(0xC1, "x")));                            // RSV1 (no extension was negotiated)
  CHECK(error(client_frame(0x83, "x")));                            // reserved opcode
  CHECK(error(client_frame(0x09, "x")));                            // fragmented ping
  CHECK(error(client_frame(0x89, std::string(126, 'x'))));          // control payload over 125
  CHECK(error(bytes({0x81, 0x80 | 126, 0x00, 0x05, 1, 2, 3, 4})));  // 16-bit length for 5
  CHECK(error(bytes({0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 1, 2, 3, 4})));  // 64-bit length for 256
  CHECK(error(bytes({0x81, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})));     // top bit set
}

TEST_CASE("unmasking and server headers", "[ws][frame]") {
  std::string payload = "The quick brown fox jumps over the lazy dog, twice over.";
  auto f = client_frame(0x81, payload);
  auto h = parse_client_header(f).header;
  std::string body = f.substr(h.header_length);
  unmask(body.data(), body.size(), h.mask);
  CHECK(body == payload);

  std::uint8_t out[10];
  CHECK(write_server_header(out, Opcode::text, 125) == 2);
  CHECK(out[0] == 0x81);
  CHECK(out[1] == 125);
  CHECK(write_server_header(out, Opcode::text, 126) == 4);
  CHECK(out[1] == 126);
  CHECK(((out[2] << 8) | out[3]) == 126);
  CHECK(write_server_header(out, Opcode::close, 70000) == 10);
  CHECK(out[0] == 0x88);
  CHECK(out[1] == 127);
  CHECK(((out[7] << 16) | (out[8] << 8) | out[9]) == 70000);
}

TEST_CASE("UTF-8 validation", "[ws][frame]") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ASCII text that is longer than eight bytes"));
  CHECK(valid_utf8("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // été € 😀
  CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));                                 // U+10FFFF
  CHECK_FALSE(valid_utf8("\xC0\x80"));                                   // overlong NUL
  CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));                               // overlong '/'
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));                               // a surrogate
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));                           // above U+10FFFF
  CHECK_FALSE(valid_utf8("abc\xE2\x82"));                                // cut short
  CHECK_FALSE(valid_utf8("\x80"));                                       // a stray continuation
  CHECK_FALSE(valid_utf8("12345678\xFF"));                               // after the fast path
}

TEST_CASE("close payloads and codes", "[ws][frame]") {
  CHECK(parse_close_payload("").has_value());
  CHECK_FALSE(parse_close_payload("").value().code);
  CHECK_FALSE(parse_close_payload("x"));
  std::string input = bytes({0x03, 0xE8}) + "bye";
  auto ok = parse_close_payload(input);
  REQUIRE(ok);
  CHECK(*ok->code == 1000);
  CHECK(ok->reason == "bye");
  for (int code : {999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
    CAPTURE(code);
    CHECK_FALSE(valid_close_code(static_cast<std::uint16_t>(code)));
  }
  for (int code : {1000, 1001, 1002, 1003, 1007, 1011, 3000, 4999}) {
    CAPTURE(code);
    CHECK(valid_close_code(static_cast<std::uint16_t>(code)));
  }
  // Long reasons are cut to fit a control frame, never inside a character.
  char out[125];
  std::string reason;
  for (int i = 0; i < 70; ++i) reason += "\xC3\xA9";  // 140 bytes
  auto n = write_close_payload(out, 1000, reason);
  CHECK(n <= 125);
  CHECK(valid_utf8(std::string_view(out + 2, n - 2)));
}

TEST_CASE("the accept key is the RFC 6455 example's", "[ws][handshake]") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("a bad handshake is refused with 400, another version with 426", "[ws][handshake]") {
  Joined j;
  RawWs no_key(j.server.port());
  auto head = no_key.handshake(RawWs::request(j.lobby, j.ada.token, "13", false));
  CHECK(head.rfind("HTTP/1.1 400", 0) == 0);
  RawWs v8(j.server.port());
  head = v8.handshake(RawWs::request(j.lobby, j.ada.token, "8"));
  CHECK(head.rfind("HTTP/1.1 426", 0) == 0);
  CHECK(head.find("Sec-WebSocket-Version: 13") != std::string::npos);
}

TEST_CASE("frames split into single bytes, fragments and a ping in between are understood", "[ws][wire]") {
  Joined j;
  auto head = j.ws.handshake(RawWs::request(j.lobby, j.ada.token));
  REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
  CHECK(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos);
  CHECK(head.find("Sec-WebSocket-Protocol: swirl.v1") != std::string::npos);

  // One message, byte by byte.
  j.ws.write_bytewise(text_frame(R"({"type":"no_such_type"})"));
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "unknown_type");

  // One message in three fragments, with a ping between them: the pong carries its payload.
  j.ws.write(client_frame(0x01, R"({"type":)") + client_frame(0x89, "are you there") +
             client_frame(0x00, R"("leave_)") + client_frame(0x80, R"(match"})"));
  auto pong = j.ws.read_until([](const RawWs::Frame& f) { return f.opcode == 0xA; });
  CHECK(pong.payload == "are you there");
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "not_in_match");

  // Three messages in one write get three answers, in order.
  j.ws.write(text_frame("[1]") + text_frame(R"({"type":"ready"})") + text_frame("not json"));
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "invalid_json");
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "invalid_message");
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "invalid_json");

  // Binary is answered, not fatal.
  j.ws.write(client_frame(0x82, "\x01\x02"));
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "invalid_message");

  // A 16-bit length, split across writes in the middle of the header.
  auto big = text_frame(R"({"type":"signal","to":"x","data":{"pad":")" + std::string(1000, 'p') + R"("}})");
  j.ws.write(big.substr(0, 3));
  j.ws.write(big.substr(3));
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "not_in_match");

  // The client closes: the server echoes the code and ends the TCP connection.
  j.ws.write(close_frame(1000, "bye"));
  auto close = j.ws.read_close();
  CHECK(close.close_code() == 1000);
  CHECK(j.ws.sees_eof());
  CHECK(wait_until([&] { return j.server.app().ws_counters().open.load() == 0; }));
}

TEST_CASE("frames sent right behind the handshake request are not lost", "[ws][wire]") {
  Joined j;
  auto head = j.ws.handshake(RawWs::request(j.lobby, j.ada.token), text_frame(R"({"type":"bogus"})"));
  REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
  CHECK(json::parse(j.ws.read_error().payload)["code"] == "unknown_type");
}

TEST_CASE("protocol violations close the connection with 1002 or 1007", "[ws][wire]") {
  struct Case {
    const char* what;
    std::string frames;
    std::uint16_t code;
  };
  std::vector<Case> cases = {
      {"an unmasked frame", client_frame(0x81, "{}", false), 1002},
      {"a reserved opcode", client_frame(0x83, "{}"), 1002},
      {"a continuation without a message", client_frame(0x80, "{}"), 1002},
      {"a new message inside a fragmented one", client_frame(0x01, "{") + client_frame(0x81, "}"), 1002},
      {"a close frame with code 1005", close_frame(1005), 1002},
      {"a one-byte close payload", client_frame(0x88, "x"), 1002},
      {"text that is not UTF-8", text_frame("{\"type\":\"\xC0\x80\"}"), 1007},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      Joined j;
      REQUIRE(j.ws.handshake(RawWs::request(j.lobby, j.ada.token)).rfind("HTTP/1.1 101", 0) == 0);
      j.ws.write(c.frames);
      auto close = j.ws.read_close();
      CHECK(close.close_code() == c.code);
      CHECK(j.ws.sees_eof());
      CHECK(j.server.app().ws_counters().closed_protocol_error.load() == 1);
    }
  }
}

TEST_CASE("a message over the size limit is refused from its header alone", "[ws][wire][limits]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.ws_max_frame_bytes = 1024; });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  RawWs ws(server.port());
  REQUIRE(ws.handshake(RawWs::request(lobby, ada.token)).rfind("HTTP/1.1 101", 0) == 0);
  // Only the header of a 1 MiB frame: the server does not wait for the payload.
  auto frame = client_frame(0x81, std::string(1 << 20, ' '));
  ws.write(frame.substr(0, 14));
  CHECK(ws.read_close().close_code() == 1009);
  // Fragments add up: three of 400 bytes pass the per-frame size but not the message size.
  RawWs ws2(server.port());
  REQUIRE(ws2.handshake(RawWs::request(lobby, ada.token)).rfind("HTTP/1.1 101", 0) == 0);
  std::string part(400, ' ');
  ws2.write(client_frame(0x01, part) + client_frame(0x00, part) + client_frame(0x80, part));
  CHECK(ws2.read_close().close_code() == 1009);
}

TEST_CASE("a connection that falls quiet gives its read buffer back and still hears the next message", "[ws][wire]") {
  TestServer server(Backend::sqlite,
                    [](swirl::core::Config& c) { c.ws_idle_timeout = std::chrono::milliseconds(800); });
  Interactions it(server);
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(ada);
  RawWs ws(server.port());
  REQUIRE(ws.handshake(RawWs::request(lobby, ada.token)).rfind("HTTP/1.1 101", 0) == 0);
  auto& counters = server.app().ws_counters();
  CHECK(counters.read_buffers.load() == 0);  // joined, silent: no buffer
  // A message or two (ready, leave) do not earn a buffer; a connection that keeps talking does.
  for (int i = 0; i < 3; ++i) {
    ws.write(text_frame(R"({"type":"first"})"));
    CHECK(json::parse(ws.read_error().payload)["code"] == "unknown_type");
  }
  CHECK(counters.read_buffers.load() == 0);
  ws.write(text_frame(R"({"type":"fourth"})"));
  CHECK(json::parse(ws.read_error().payload)["code"] == "unknown_type");
  CHECK(wait_until([&] { return counters.read_buffers.load() == 1; }));
  // Quiet for longer than the hold (a quarter of the idle timeout here): the buffer goes back.
  CHECK(wait_until([&] { return counters.read_buffers_released.load() == 1; }));
  CHECK(counters.read_buffers.load() == 0);
  // Pings arrive meanwhile; answer them so the server keeps us.
  ws.write(text_frame(R"({"type":"second"})"));
  auto reply = ws.read_until([&](const RawWs::Frame& f) {
    if (f.opcode == 0x9) ws.write(client_frame(0x8A, f.payload));
    return f.opcode == 1 && json::parse(f.payload).value("type", "") == "error";
  });
  CHECK(json::parse(reply.payload)["code"] == "unknown_type");
  CHECK(counters.open.load() == 1);
}
