#pragma once
// A WebSocket client that speaks the wire format by hand (frames built byte by byte, blocking
// reads that time out), for tests of the server's RFC 6455 layer.

#include <sys/socket.h>
#include <sys/time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace swirl::test {

inline std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += static_cast<char>(x);
  return s;
}

// A client frame with the given first byte, masked with a fixed key unless `masked` is false.
inline std::string client_frame(std::uint8_t b0, std::string_view payload, bool masked = true) {
  std::string f;
  f += static_cast<char>(b0);
  std::uint8_t m = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f += static_cast<char>(m | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    f += static_cast<char>(m | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xFF);
  } else {
    f += static_cast<char>(m | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xFF);
  }
  const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked) f.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

inline std::string text_frame(std::string_view s, bool fin = true) { return client_frame((fin ? 0x80 : 0) | 0x1, s); }
inline std::string close_frame(std::uint16_t code, std::string_view reason = "") {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xFF);
  p += reason;
  return client_frame(0x88, p);
}

// A WebSocket client that speaks the wire format by hand, with blocking reads that time out.
class RawWs {
 public:
  struct Frame {
    std::uint8_t opcode = 0;
    bool fin = false;
    std::string payload;
    std::uint16_t close_code() const {
      return payload.size() >= 2
                 ? static_cast<std::uint16_t>((std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1]))
                 : 0;
    }
  };

  explicit RawWs(unsigned short port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  static std::string request(const std::string& lobby, const std::string& token, const std::string& version = "13",
                             bool with_key = true) {
    std::string r = "GET /api/lobbies/" + lobby +
                    "/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Version: " +
                    version + "\r\n";
    if (with_key) r += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    r += "Sec-WebSocket-Protocol: swirl.v1, swirl.token." + token + "\r\n\r\n";
    return r;
  }

  // Sends the handshake (and `extra` right behind it); returns the response head.
  std::string handshake(const std::string& req, const std::string& extra = "") {
    write(req + extra);
    while (true) {
      auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buffer_.substr(0, end + 4);
        buffer_.erase(0, end + 4);
        return head;
      }
      if (!fill()) return buffer_;
    }
  }

  void write(std::string_view data) { boost::asio::write(socket_, boost::asio::buffer(data.data(), data.size())); }
  void write_bytewise(std::string_view data) {
    for (char c : data) write(std::string_view(&c, 1));
  }

  // The next frame, or nullopt at EOF.
  std::optional<Frame> read_frame() {
    while (true) {
      if (buffer_.size() >= 2) {
        auto b0 = std::uint8_t(buffer_[0]), b1 = std::uint8_t(buffer_[1]);
        REQUIRE((b1 & 0x80) == 0);  // server frames are never masked
        std::size_t len = b1 & 0x7F, pos = 2;
        if (len == 126 && buffer_.size() >= 4) {
          len = (std::uint8_t(buffer_[2]) << 8) | std::uint8_t(buffer_[3]);
          pos = 4;
        } else if (len == 127 && buffer_.size() >= 10) {
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | std::uint8_t(buffer_[2 + i]);
          pos = 10;
        }
        if ((len < 126 || pos > 2) && buffer_.size() >= pos + len) {
          Frame f{static_cast<std::uint8_t>(b0 & 0x0F), (b0 & 0x80) != 0, buffer_.substr(pos, len)};
          buffer_.erase(0, pos + len);
          return f;
        }
      }
      if (!fill()) return std::nullopt;
    }
  }

  // Skips frames until one matches; fails the test at EOF.
  template <class Pred>
  Frame read_until(Pred pred) {
    while (auto f = read_frame()) {
      if (pred(*f)) return *f;
    }
    FAIL("connection ended before the expected frame");
    return {};
  }
  Frame read_error() {
    return read_until(
        [](const Frame& f) { return f.opcode == 1 && nlohmann::json::parse(f.payload).value("type", "") == "error"; });
  }
  Frame read_close() {
    return read_until([](const Frame& f) { return f.opcode == 8; });
  }
  // The next `n` bytes as they come (say, a handshake response); shorter only at EOF.
  std::string read_bytes(std::size_t n) {
    while (buffer_.size() < n && fill()) {
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, out.size());
    return out;
  }
  // True when the server closes the TCP connection (after any frames still on their way).
  bool sees_eof() {
    while (read_frame()) {
    }
    return eof_;
  }

 private:
  bool fill() {
    char tmp[4096];
    boost::system::error_code ec;
    auto n = socket_.read_some(boost::asio::buffer(tmp), ec);
    if (ec) {
      eof_ = ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
      return false;
    }
    buffer_.append(tmp, n);
    return true;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace swirl::test
