#pragma once
// Waiting on a condition with a deadline: tests never sleep for a fixed time.

#include <chrono>
#include <functional>
#include <thread>

namespace swirl::test {

// Polls pred every few milliseconds until it holds or the timeout passes; returns the last
// value of pred.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
    std::this_thread::sleep_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(5));
  }
}

}  // namespace swirl::test
