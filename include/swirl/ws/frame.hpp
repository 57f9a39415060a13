#pragma once
// RFC 6455 framing for the server side, as plain functions over bytes: parse a client frame
// header, unmask a payload, write a server frame header, validate UTF-8 and close codes. No
// I/O here; WsSession drives it. Client frames must be masked; server frames never are.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace swirl::ws {

enum class Opcode : std::uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

inline bool is_control(Opcode op) { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

struct FrameHeader {
  bool fin = false;
  Opcode opcode = Opcode::continuation;
  std::uint64_t payload_length = 0;
  std::uint8_t mask[4] = {0, 0, 0, 0};
  std::size_t header_length = 0;  // bytes before the payload
};

enum class HeaderStatus {
  complete,       // `header` is filled in
  need_more,      // the bytes end inside the header
  protocol_error  // reserved bits, unknown opcode, unmasked, bad control frame, non-minimal length
};

struct HeaderResult {
  HeaderStatus status;
  FrameHeader header;
  const char* error = "";  // why, for protocol_error (goes into the close reason)
};

// Parses the header of a client-to-server frame at the start of `bytes`.
HeaderResult parse_client_header(std::string_view bytes);

// XORs `n` bytes at `data` with the 4-byte mask, starting at mask offset 0.
void unmask(char* data, std::size_t n, const std::uint8_t mask[4]);

// Writes an unmasked server frame header (FIN set) for `payload_length` bytes into `out`
// (at least 10 bytes); returns its length (2, 4 or 10).
std::size_t write_server_header(std::uint8_t* out, Opcode opcode, std::uint64_t payload_length);

// True if `bytes` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view bytes);

// For text that arrives in pieces (the fragments of a message): nullopt as soon as `bytes`
// cannot be the start of well-formed UTF-8; otherwise how many bytes form whole characters
// (the at most 3 after them begin a character that the next piece may complete).
std::optional<std::size_t> utf8_complete_prefix(std::string_view bytes);

// Close codes a peer may send (RFC 6455 7.4): 1000-1003, 1007-1011, 3000-4999.
bool valid_close_code(std::uint16_t code);

// The payload of a close frame: a code and a UTF-8 reason, or no code at all.
struct ClosePayload {
  std::optional<std::uint16_t> code;
  std::string_view reason;
};
// Nullopt when the payload is malformed (one byte, an invalid code, a reason that is not UTF-8).
std::optional<ClosePayload> parse_close_payload(std::string_view payload);

// Writes code + reason (truncated to fit a control frame, on a UTF-8 boundary) into `out`
// (at least 125 bytes); returns the length.
std::size_t write_close_payload(char* out, std::uint16_t code, std::string_view reason);

}  // namespace swirl::ws
