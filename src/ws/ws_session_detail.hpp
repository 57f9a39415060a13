#pragma once
// What the three parts of WsSession share (ws_session.cpp: lifetime, the owner's side, closing;
// ws_session_read.cpp: frames in; ws_session_write.cpp: the outgoing queue). Private to src/ws.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "swirl/ws/ws_session.hpp"

namespace swirl::ws::detail {
constexpr auto kCloseDeadline = std::chrono::seconds(5);  // a close handshake that takes longer ends the TCP connection
constexpr auto kRateWindow = std::chrono::seconds(5);     // refused messages are counted over this window...
constexpr auto kRateErrorInterval = std::chrono::seconds(1);  // ...and reported at most this often
constexpr std::size_t kReadChunk = 64 * 1024;                 // one recv into the per-thread buffer
constexpr std::size_t kActiveBufferBytes = 16 * 1024;         // a talking connection's own read buffer
constexpr int kMaxReadsPerWakeup = 4;                         // then let other sockets run
constexpr int kMaxIov = 128;                                  // iovecs per sendmsg (two per frame)
constexpr std::size_t kKeepPartialBytes = 4096;               // larger leftovers are freed once used
constexpr std::size_t kKeepQueueSlots = 16;                   // a queue grown past this is freed when empty
constexpr auto kActiveHold = std::chrono::seconds(2);  // quiet this long, a connection gives its read buffer back
constexpr unsigned kReadsBeforeBuffer = 4;             // reads (without a buffer) before a connection gets one
constexpr std::uint16_t kProtocolError = 1002;
constexpr std::uint16_t kInvalidPayload = 1007;
constexpr std::uint16_t kPolicy = 1008;  // RFC 6455 7.4.1: policy violation (too slow, over the rate)
constexpr std::uint16_t kTooBig = 1009;

}  // namespace swirl::ws::detail
