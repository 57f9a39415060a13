#include "uring_relay.hpp"

#ifndef SWIRL_BENCH_HAS_URING

#include <cstdio>

namespace bench {
bool uring_relay_available() { return false; }
int run_uring_relay(std::uint16_t) {
  std::fprintf(stderr, "serve-uring: built without liburing (install liburing-dev and rebuild)\n");
  return 2;
}
}  // namespace bench

#else

#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/uuid/detail/sha1.hpp>

#include "net.hpp"

namespace bench {

namespace {

constexpr unsigned kRingEntries = 4096;
constexpr std::size_t kReadChunk = 16 * 1024;  // free space asked of each receive
constexpr std::size_t kMaxRequest = 8 * 1024;  // an upgrade request larger than this is refused
constexpr std::size_t kMaxFrame = 1 << 20;     // like the Beast relay's read_message_max
constexpr std::uint64_t kTagMask = 7;

enum Op : std::uint64_t { accept_op = 1, recv_op = 2, send_op = 3, signal_op = 4 };

struct Conn {
  int fd = -1;
  bool open = false;  // the 101 went out: frames from now on
  bool dead = false;  // closed; freed once no operation refers to it
  int inflight = 0;   // receive and send operations the kernel still holds
  std::string id, peer;
  std::vector<char> rx;
  std::size_t rx_len = 0;
  std::string sending, pending;  // bytes the kernel is writing, and bytes queued behind them
};

class Relay {
 public:
  Relay(int listener, int signals) : listener_(listener), signals_(signals) {}

  int run() {
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (io_uring_queue_init_params(kRingEntries, &ring_, &params) < 0) {
      params = {};  // an older kernel: a plain ring
      if (int rc = io_uring_queue_init_params(kRingEntries, &ring_, &params); rc < 0) {
        std::fprintf(stderr, "serve-uring: io_uring unavailable: %s\n", std::strerror(-rc));
        return 1;
      }
    }
    arm_accept();
    arm_signal();
    while (!stopping_) {
      int rc = io_uring_submit_and_wait(&ring_, 1);
      if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
        std::fprintf(stderr, "serve-uring: io_uring_enter: %s\n", std::strerror(-rc));
        break;
      }
      io_uring_cqe* cqe;
      unsigned head, seen = 0;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        complete(cqe->user_data, cqe->res);
      }
      io_uring_cq_advance(&ring_, seen);
    }
    io_uring_queue_exit(&ring_);
    for (auto& [fd, c] : conns_) ::close(fd);
    return 0;
  }

 private:
  io_uring_sqe* sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    if (!s) {  // the submission queue is full: hand it to the kernel and take a fresh slot
      io_uring_submit(&ring_);
      s = io_uring_get_sqe(&ring_);
    }
    return s;
  }
  static std::uint64_t tag(Op op, Conn* c = nullptr) { return reinterpret_cast<std::uint64_t>(c) | op; }

  void arm_accept() {
    auto* s = sqe();
    io_uring_prep_accept(s, listener_, nullptr, nullptr, 0);
    io_uring_sqe_set_data64(s, tag(accept_op));
  }
  void arm_signal() {
    auto* s = sqe();
    io_uring_prep_read(s, signals_, &siginfo_, sizeof siginfo_, 0);
    io_uring_sqe_set_data64(s, tag(signal_op));
  }
  void arm_recv(Conn* c) {
    if (c->rx.size() - c->rx_len < kReadChunk) c->rx.resize(c->rx_len + kReadChunk);
    auto* s = sqe();
    io_uring_prep_recv(s, c->fd, c->rx.data() + c->rx_len, c->rx.size() - c->rx_len, 0);
    io_uring_sqe_set_data64(s, tag(recv_op, c));
    ++c->inflight;
  }
  void start_send(Conn* c) {
    c->sending.swap(c->pending);
    c->pending.clear();
    auto* s = sqe();
    io_uring_prep_send(s, c->fd, c->sending.data(), c->sending.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, tag(send_op, c));
    ++c->inflight;
  }
  // Frames queued while a send is in flight go out together when it completes.
  void queue(Conn* c, std::string_view bytes) {
    c->pending.append(bytes);
    if (c->sending.empty()) start_send(c);
  }
  void queue_text(Conn* c, std::string_view payload) {
    char h[10];
    std::size_t hl = 2;
    std::size_t n = payload.size();
    h[0] = static_cast<char>(0x81);
    if (n < 126) {
      h[1] = static_cast<char>(n);
    } else if (n < 65536) {
      h[1] = 126;
      h[2] = static_cast<char>(n >> 8);
      h[3] = static_cast<char>(n);
      hl = 4;
    } else {
      h[1] = 127;
      for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<char>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
      hl = 10;
    }
    c->pending.append(h, hl);
    queue(c, payload);
  }

  void kill(Conn* c) {
    if (c->dead) return;
    c->dead = true;
    auto it = by_id_.find(c->id);
    if (it != by_id_.end() && it->second == c) by_id_.erase(it);
    ::shutdown(c->fd, SHUT_RDWR);  // ends the pending receive; complete() closes after the last operation
  }
  void release(Conn* c) {
    if (!c->dead || c->inflight > 0) return;
    ::close(c->fd);
    conns_.erase(c->fd);
  }

  void complete(std::uint64_t data, int res) {
    auto op = static_cast<Op>(data & kTagMask);
    auto* c = reinterpret_cast<Conn*>(data & ~kTagMask);
    switch (op) {
      case signal_op: stopping_ = true; return;
      case accept_op:
        arm_accept();
        if (res >= 0) {
          int one = 1;
          ::setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto conn = std::make_unique<Conn>();
          conn->fd = res;
          Conn* raw = conn.get();
          conns_[res] = std::move(conn);
          arm_recv(raw);
        }
        return;
      case recv_op:
        --c->inflight;
        if (!c->dead) {
          if (res <= 0) {
            kill(c);
          } else {
            c->rx_len += static_cast<std::size_t>(res);
            if (take_input(c) && !c->dead) arm_recv(c);
          }
        }
        release(c);
        return;
      case send_op:
        --c->inflight;
        if (!c->dead) {
          if (res < 0) {
            kill(c);
          } else {
            if (static_cast<std::size_t>(res) < c->sending.size())
              c->pending.insert(0, c->sending, static_cast<std::size_t>(res));
            c->sending.clear();
            if (!c->pending.empty()) start_send(c);
          }
        }
        release(c);
        return;
    }
  }

  // The opening handshake: false until the request is complete.
  bool handshake(Conn* c) {
    std::string_view in(c->rx.data(), c->rx_len);
    auto end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (in.size() > kMaxRequest) kill(c);
      return false;
    }
    auto request_line = in.substr(0, in.find("\r\n"));
    auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    auto target = sp1 < sp2 ? request_line.substr(sp1 + 1, sp2 - sp1 - 1) : std::string_view{};
    std::string_view key;
    for (std::size_t pos = in.find("\r\n") + 2; pos < end;) {
      auto eol = in.find("\r\n", pos);
      auto line = in.substr(pos, eol - pos);
      pos = eol + 2;
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(line.substr(0, colon));
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (name != "sec-websocket-key") continue;
      key = line.substr(colon + 1);
      while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
      while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    }
    if (key.empty()) {
      queue(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      c->dead = true;  // nothing more is read; the close follows the last operation
      return false;
    }
    c->id = query_param(target, "id");
    c->peer = query_param(target, "peer");
    std::string accept_src = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    boost::uuids::detail::sha1 sha;
    sha.process_bytes(accept_src.data(), accept_src.size());
    boost::uuids::detail::sha1::digest_type words;
    sha.get_digest(words);
    unsigned char digest[20];
    for (int i = 0; i < 5; ++i)
      for (int b = 0; b < 4; ++b) digest[4 * i + b] = static_cast<unsigned char>(words[i] >> (24 - 8 * b));
    char b64[32];
    auto n = boost::beast::detail::base64::encode(b64, digest, sizeof digest);
    queue(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                 std::string(b64, n) + "\r\n\r\n");
    queue_text(c, R"({"type":"OPEN"})");
    c->open = true;
    by_id_[c->id] = c;
    std::memmove(c->rx.data(), c->rx.data() + end + 4, c->rx_len - end - 4);
    c->rx_len -= end + 4;
    return true;
  }

  // Forwards every complete text frame to the peer; false once the connection is done.
  bool take_input(Conn* c) {
    if (!c->open && !handshake(c)) return !c->dead;
    Conn* peer = nullptr;
    if (auto it = by_id_.find(c->peer); it != by_id_.end() && !it->second->dead) peer = it->second;
    std::size_t off = 0;
    for (;;) {
      auto* p = reinterpret_cast<unsigned char*>(c->rx.data()) + off;
      std::size_t avail = c->rx_len - off;
      if (avail < 2) break;
      std::uint64_t len = p[1] & 0x7f;
      std::size_t hl = 2;
      if (len == 126) {
        if (avail < 4) break;
        len = (std::uint64_t{p[2]} << 8) | p[3];
        hl = 4;
      } else if (len == 127) {
        if (avail < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
        hl = 10;
      }
      bool masked = (p[1] & 0x80) != 0;
      if (masked) hl += 4;
      if (len > kMaxFrame) {
        kill(c);
        return false;
      }
      if (avail < hl + len) break;
      unsigned char* payload = p + hl;
      if (masked)
        for (std::uint64_t i = 0; i < len; ++i) payload[i] ^= p[hl - 4 + (i & 3)];
      int opcode = p[0] & 0x0f;
      if (opcode == 8) {  // close: the load generator only closes at the end
        kill(c);
        return false;
      }
      if (opcode == 1 && peer) queue_text(peer, std::string_view(reinterpret_cast<char*>(payload), len));
      off += hl + len;
    }
    std::memmove(c->rx.data(), c->rx.data() + off, c->rx_len - off);
    c->rx_len -= off;
    return true;
  }

  io_uring ring_{};
  int listener_, signals_;
  signalfd_siginfo siginfo_{};
  bool stopping_ = false;
  std::unordered_map<int, std::unique_ptr<Conn>> conns_;
  std::unordered_map<std::string, Conn*> by_id_;
};

}  // namespace

bool uring_relay_available() {
  // Built with liburing is not enough: a kernel or sandbox may refuse io_uring (seccomp,
  // kernel.io_uring_disabled).
  io_uring probe{};
  if (io_uring_queue_init(8, &probe, 0) < 0) return false;
  io_uring_queue_exit(&probe);
  return true;
}

int run_uring_relay(std::uint16_t port) {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int signals = signalfd(-1, &mask, SFD_CLOEXEC);
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 4096) != 0) {
    std::perror("serve-uring: listen");
    return 1;
  }
  Relay relay(listener, signals);
  int rc = relay.run();
  ::close(listener);
  ::close(signals);
  return rc;
}

}  // namespace bench

#endif
