#pragma once
// Small pieces every scenario's client side uses: waiting on a condition with a deadline,
// sleeping in a coroutine, recognising a frame's type, and running a bounded number of
// connection attempts at once. All of it runs on a worker's single-threaded io_context.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net.hpp"

namespace bench {

using Clock = std::chrono::steady_clock;
using ClientPtr = std::shared_ptr<WsClient>;

// Wakes coroutines waiting for a condition that handlers change (single-threaded io).
class Signal {
 public:
  explicit Signal(asio::io_context& io) : timer_(io) {}
  void notify() { timer_.cancel(); }
  template <class Pred>
  asio::awaitable<bool> until(Pred pred, Clock::time_point deadline) {
    while (!pred()) {
      if (Clock::now() >= deadline) co_return false;
      timer_.expires_at(deadline);
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return true;
  }

 private:
  asio::steady_timer timer_;
};

inline asio::awaitable<void> sleep_until(Clock::time_point t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

inline asio::awaitable<void> sleep_for(std::chrono::nanoseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Polls pred every 5 ms until it holds or the deadline passes (for conditions nobody notifies).
template <class Pred>
asio::awaitable<bool> poll_until(Pred pred, Clock::time_point deadline) {
  while (!pred()) {
    if (Clock::now() >= deadline) co_return false;
    co_await sleep_until(std::min(deadline, Clock::now() + std::chrono::milliseconds(5)));
  }
  co_return true;
}

// Swirl serializes objects with sorted keys, so "type" comes late in its frames; PeerJS puts it
// first. Looking at both ends avoids scanning a 20 KB lobby_status.
inline bool has_type(std::string_view msg, std::string_view type_marker) {
  if (msg.size() <= 320) return msg.find(type_marker) != std::string_view::npos;
  return msg.substr(0, 64).find(type_marker) != std::string_view::npos ||
         msg.substr(msg.size() - 256).find(type_marker) != std::string_view::npos;
}

// The frame that tells a client it is in: Swirl's welcome, PeerJS's OPEN.
inline std::string joined_marker(const std::string& target) {
  return target == "swirl" ? "\"type\":\"welcome\"" : "\"type\":\"OPEN\"";
}

// Runs body(i) for i in [0, n) with at most `lanes` running at once.
template <class Body>
asio::awaitable<void> for_each_limited(std::size_t n, std::size_t lanes, Body body) {
  auto ex = co_await asio::this_coro::executor;
  std::size_t next = 0, done_lanes = 0;
  lanes = std::max<std::size_t>(1, std::min(lanes, n));
  asio::steady_timer all_done(ex, Clock::time_point::max());
  for (std::size_t l = 0; l < lanes; ++l) {
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          while (next < n) co_await body(next++);
        },
        [&](std::exception_ptr) {
          if (++done_lanes == lanes) all_done.cancel();
        });
  }
  if (n > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
}

inline std::vector<ConnSpec> specs_of(const json& j) { return j.get<std::vector<ConnSpec>>(); }

}  // namespace bench
