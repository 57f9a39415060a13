// libFuzzer target: the WebSocket frame layer (ws/frame.hpp) fed a byte stream as a client
// sends it, frames back to back, reassembled by the rules WsSession applies (a message is one
// data frame or a data frame and continuations; control frames may come in between; a text
// message's UTF-8 is checked fragment by fragment with utf8_complete_prefix). WsSession itself
// needs a socket, so its reassembly rules are restated here and checked against the whole-message
// validator: both must agree on every input.

#include <array>
#include <cstring>
#include <string>

#include "fuzz_support.hpp"
#include "swirl/ws/frame.hpp"

using namespace swirl::ws;

namespace {

// The reassembly state WsSession keeps (message_, message_text_, utf8_checked_).
struct Reassembly {
  bool in_message = false;
  bool text = false;
  std::string message;
  std::size_t checked = 0;
  bool failed = false;

  // WsSession::check_utf8_fragment; cross-checked against valid_utf8 over the whole text.
  void check_fragment(bool last) {
    auto complete = utf8_complete_prefix(std::string_view(message).substr(checked));
    if (complete) {
      FUZZ_REQUIRE(*complete <= message.size() - checked);
      checked += *complete;
      // Whole characters so far, at most 3 bytes of an unfinished one after them.
      FUZZ_REQUIRE(valid_utf8(std::string_view(message).substr(0, checked)));
      FUZZ_REQUIRE(message.size() - checked <= 3);
    }
    bool ok = complete && (!last || checked == message.size());
    if (last) FUZZ_REQUIRE(ok == valid_utf8(message));
    if (!ok) failed = true;
  }

  void data_frame(const FrameHeader& h, std::string_view payload) {
    if (h.opcode == Opcode::continuation) {
      if (!in_message) {
        failed = true;
        return;
      }
      message.append(payload);
    } else {
      if (in_message) {
        failed = true;
        return;
      }
      if (h.fin) {
        // A whole text message: the fragment checker and the whole-message validator agree.
        if (h.opcode == Opcode::text) {
          auto complete = utf8_complete_prefix(payload);
          FUZZ_REQUIRE((complete && *complete == payload.size()) == valid_utf8(payload));
        }
        return;
      }
      in_message = true;
      text = h.opcode == Opcode::text;
      message.assign(payload);
      checked = 0;
    }
    if (text) check_fragment(h.fin);
    if (h.fin) in_message = false;
  }
};

void check_close(std::string_view payload) {
  auto cp = parse_close_payload(payload);
  if (!cp) return;
  if (!cp->code) {
    FUZZ_REQUIRE(payload.empty());
    return;
  }
  FUZZ_REQUIRE(valid_close_code(*cp->code));
  FUZZ_REQUIRE(valid_utf8(cp->reason));
  // What the server writes back for it parses to the same code and a prefix of the reason.
  char out[125];
  std::size_t n = write_close_payload(out, *cp->code, cp->reason);
  FUZZ_REQUIRE(n >= 2 && n <= 125);
  auto again = parse_close_payload(std::string_view(out, n));
  FUZZ_REQUIRE(again && again->code == cp->code);
  FUZZ_REQUIRE(cp->reason.substr(0, again->reason.size()) == again->reason);
}

// A server header for any length, given a mask bit and a mask, parses as the client header of
// the same frame.
void check_server_header(const std::uint8_t* data, std::size_t size) {
  if (size < 9) return;
  std::uint64_t length = 0;
  std::memcpy(&length, data, sizeof length);
  length >>= (data[8] & 63);  // spread the lengths over every header size
  std::uint8_t out[14];
  std::size_t n = write_server_header(out, Opcode::binary, length);
  FUZZ_REQUIRE(n == 2 || n == 4 || n == 10);
  out[1] |= 0x80;
  std::memcpy(out + n, "\x01\x02\x03\x04", 4);
  auto r = parse_client_header(std::string_view(reinterpret_cast<const char*>(out), n + 4));
  if (length >> 63) {  // the top bit of a 64-bit length must be 0 (RFC 6455 5.2)
    FUZZ_REQUIRE(r.status == HeaderStatus::protocol_error);
    return;
  }
  FUZZ_REQUIRE(r.status == HeaderStatus::complete);
  FUZZ_REQUIRE(r.header.payload_length == length && r.header.header_length == n + 4 && r.header.fin);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  Reassembly re;
  std::size_t pos = 0;
  while (pos < buf.size() && !re.failed) {
    std::string_view rest = std::string_view(buf).substr(pos);
    auto r = parse_client_header(rest);
    if (r.status == HeaderStatus::need_more) {
      FUZZ_REQUIRE(rest.size() < 14);
      break;
    }
    if (r.status == HeaderStatus::protocol_error) {
      FUZZ_REQUIRE(r.error != nullptr && *r.error != '\0');
      break;
    }
    const FrameHeader& h = r.header;
    FUZZ_REQUIRE(h.header_length == 6 || h.header_length == 8 || h.header_length == 14);
    FUZZ_REQUIRE(h.header_length <= rest.size());
    FUZZ_REQUIRE(!is_control(h.opcode) || (h.fin && h.payload_length <= 125));
    // A header cut short anywhere asks for more bytes; it is never misread.
    for (std::size_t k = 0; k < h.header_length; ++k)
      FUZZ_REQUIRE(parse_client_header(rest.substr(0, k)).status == HeaderStatus::need_more);
    if (rest.size() - h.header_length < h.payload_length) break;  // the payload is still on its way
    char* payload = buf.data() + pos + h.header_length;
    std::string masked(payload, h.payload_length);
    unmask(payload, h.payload_length, h.mask);
    std::string twice(payload, h.payload_length);
    unmask(twice.data(), twice.size(), h.mask);
    FUZZ_REQUIRE(twice == masked);  // masking is its own inverse
    std::string_view body(payload, h.payload_length);
    pos += h.header_length + h.payload_length;
    if (h.opcode == Opcode::close) {
      check_close(body);
      break;
    }
    if (!is_control(h.opcode)) re.data_frame(h, body);
  }
  check_server_header(data, size);
  return 0;
}
