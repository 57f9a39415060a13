#pragma once
// A small dedicated thread pool for blocking work (database calls, file reads). Network threads
// never block: they hand a callable here and the result comes back on the caller's executor
// (its strand), as the completion of an asynchronous operation.

#include <atomic>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace swirl::core {

// Thrown when the pool's queue is full: the caller answers 503 instead of queueing forever.
class PoolOverloaded : public std::runtime_error {
 public:
  PoolOverloaded() : std::runtime_error("the server is overloaded; try again shortly") {}
};

class BlockingPool {
 public:
  BlockingPool(unsigned threads, std::size_t max_pending) : pool_(threads), max_pending_(max_pending) {}
  ~BlockingPool() { stop(); }
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void stop() {
    pool_.stop();
    pool_.join();
  }

  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }

  // Runs f() on the pool; completes with (exception_ptr, result) on the caller's executor.
  // `f` returning void completes with a bool (always true).
  template <class F, class Token = boost::asio::use_awaitable_t<>>
  auto run(F f, Token&& token = {}) {
    using Raw = std::invoke_result_t<F&>;
    using R = std::conditional_t<std::is_void_v<Raw>, bool, Raw>;
    return boost::asio::async_initiate<Token, void(std::exception_ptr, R)>(
        [this](auto handler, F fn) {
          // Keeps the caller's execution context alive while the job runs.
          auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                          boost::asio::execution::outstanding_work.tracked);
          if (pending_.fetch_add(1, std::memory_order_relaxed) >= max_pending_) {
            pending_.fetch_sub(1, std::memory_order_relaxed);
            boost::asio::post(work, [handler = std::move(handler)]() mutable {
              std::move(handler)(std::make_exception_ptr(PoolOverloaded{}), R{});
            });
            return;
          }
          boost::asio::post(
              pool_, [this, handler = std::move(handler), fn = std::move(fn), work = std::move(work)]() mutable {
                std::exception_ptr ep;
                std::optional<R> result;
                try {
                  if constexpr (std::is_void_v<Raw>) {
                    fn();
                    result.emplace(true);
                  } else {
                    result.emplace(fn());
                  }
                } catch (...) {
                  ep = std::current_exception();
                }
                pending_.fetch_sub(1, std::memory_order_relaxed);
                boost::asio::post(work, [handler = std::move(handler), ep, result = std::move(result)]() mutable {
                  std::move(handler)(ep, result ? std::move(*result) : R{});
                });
              });
        },
        token, std::move(f));
  }

 private:
  boost::asio::thread_pool pool_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
};

}  // namespace swirl::core
