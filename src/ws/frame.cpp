#include "swirl/ws/frame.hpp"

#include <algorithm>
#include <cstring>

#include "swirl/core/utf8.hpp"

namespace swirl::ws {

HeaderResult parse_client_header(std::string_view bytes) {
  HeaderResult r{HeaderStatus::need_more, {}};
  if (bytes.size() < 2) return r;
  auto b0 = static_cast<std::uint8_t>(bytes[0]);
  auto b1 = static_cast<std::uint8_t>(bytes[1]);
  auto fail = [&](const char* why) {
    r.status = HeaderStatus::protocol_error;
    r.error = why;
    return r;
  };
  if (b0 & 0x70) return fail("reserved bits set");
  std::uint8_t op = b0 & 0x0F;
  switch (op) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xA: break;
    default: return fail("unknown opcode");
  }
  if (!(b1 & 0x80)) return fail("client frames must be masked");
  FrameHeader& h = r.header;
  h.fin = (b0 & 0x80) != 0;
  h.opcode = static_cast<Opcode>(op);
  std::uint64_t len = b1 & 0x7F;
  std::size_t pos = 2;
  if (len == 126) {
    if (bytes.size() < 4) return r;
    len = (std::uint64_t(std::uint8_t(bytes[2])) << 8) | std::uint8_t(bytes[3]);
    if (len < 126) return fail("non-minimal payload length");
    pos = 4;
  } else if (len == 127) {
    if (bytes.size() < 10) return r;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | std::uint8_t(bytes[2 + i]);
    if (len >> 63) return fail("payload length out of range");
    if (len <= 0xFFFF) return fail("non-minimal payload length");
    pos = 10;
  }
  if (is_control(h.opcode)) {
    if (!h.fin) return fail("fragmented control frame");
    if (len > 125) return fail("control frame too long");
  }
  if (bytes.size() < pos + 4) return r;
  std::memcpy(h.mask, bytes.data() + pos, 4);
  h.payload_length = len;
  h.header_length = pos + 4;
  r.status = HeaderStatus::complete;
  return r;
}

void unmask(char* data, std::size_t n, const std::uint8_t mask[4]) {
  std::uint32_t m32;
  std::memcpy(&m32, mask, 4);
  std::uint64_t m64 = (std::uint64_t(m32) << 32) | m32;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, data + i, 8);
    v ^= m64;
    std::memcpy(data + i, &v, 8);
  }
  for (; i < n; ++i) data[i] = static_cast<char>(data[i] ^ mask[i & 3]);
}

std::size_t write_server_header(std::uint8_t* out, Opcode opcode, std::uint64_t len) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));
  if (len < 126) {
    out[1] = static_cast<std::uint8_t>(len);
    return 2;
  }
  if (len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(len >> 8);
    out[3] = static_cast<std::uint8_t>(len);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(len >> (56 - 8 * i));
  return 10;
}

// The one validator lives in core/utf8.hpp; ws::valid_utf8 keeps the frame layer's name for it.
bool valid_utf8(std::string_view bytes) { return core::valid_utf8(bytes); }

// Built on core/utf8.hpp's sequence rules (the lead byte fixes the length and the range of the
// second byte, so overlongs, surrogates and values past U+10FFFF fail at the second byte): a
// sequence cut by the end of `bytes` is judged as far as it goes.
std::optional<std::size_t> utf8_complete_prefix(std::string_view bytes) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (std::size_t len = core::utf8_sequence_length(p + i, end)) {
      i += len;
      continue;
    }
    const auto lead = core::utf8_detail::lead(static_cast<unsigned char>(p[i]));
    if (lead.len == 0) return std::nullopt;  // cannot start a sequence at all
    // Every byte up to the end fits: the rest of the sequence may come in the next fragment.
    if (i + core::utf8_maximal_subpart(p + i, end) == bytes.size()) return i;
    return std::nullopt;
  }
  return bytes.size();
}

bool valid_close_code(std::uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1011) return true;
  return code >= 3000 && code <= 4999;
}

std::optional<ClosePayload> parse_close_payload(std::string_view payload) {
  if (payload.empty()) return ClosePayload{};
  if (payload.size() == 1) return std::nullopt;
  auto code = static_cast<std::uint16_t>((std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1]));
  if (!valid_close_code(code)) return std::nullopt;
  auto reason = payload.substr(2);
  if (!valid_utf8(reason)) return std::nullopt;
  return ClosePayload{code, reason};
}

std::size_t write_close_payload(char* out, std::uint16_t code, std::string_view reason) {
  out[0] = static_cast<char>(code >> 8);
  out[1] = static_cast<char>(code & 0xFF);
  std::size_t n = std::min<std::size_t>(reason.size(), 123);
  // Do not cut a multi-byte character in half.
  while (n > 0 && n < reason.size() && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  std::memcpy(out + 2, reason.data(), n);
  return 2 + n;
}

}  // namespace swirl::ws
