#include "swirl/app/housekeeping.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include "swirl/auth/token_cache.hpp"
#include "swirl/core/blocking_pool.hpp"

namespace swirl {
namespace asio = boost::asio;

std::uint64_t resident_kib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

Housekeeper::Housekeeper(asio::io_context& ioc, core::BlockingPool& pool, auth::TokenCache& tokens,
                         std::chrono::milliseconds delay)
    : strand_(asio::make_strand(ioc.get_executor())), timer_(strand_), pool_(pool), tokens_(tokens), delay_(delay) {}

void Housekeeper::poke() {
  if (delay_.count() <= 0) return;
  asio::post(strand_, [self = shared_from_this()] {
    if (self->armed_) return;
    self->armed_ = true;
    self->timer_.expires_after(self->delay_);
    self->timer_.async_wait([self](boost::system::error_code ec) {
      self->armed_ = false;
      if (ec) return;
      // On the pool: malloc_trim walks and locks every arena, which is no work for a network
      // thread. A full pool (PoolOverloaded) just skips this pass: the next lobby to stop
      // asks again.
      self->pool_.run([self] { self->run_pass(); },
                      asio::bind_executor(self->strand_, [](std::exception_ptr, bool) {}));
    });
  });
}

void Housekeeper::run_pass() {
  auto started = std::chrono::steady_clock::now();
  counters_.token_entries_expired += tokens_.purge_expired();
  std::uint64_t before = resident_kib();
  malloc_trim(0);
  std::uint64_t after = resident_kib();
  std::uint64_t released = before > after ? before - after : 0;
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  counters_.passes++;
  counters_.released_kib += released;
  counters_.last_released_kib = released;
  counters_.last_pass_us = static_cast<std::uint64_t>(took.count());
  spdlog::debug("housekeeping: gave back {} KiB in {} us (RSS now {} KiB)", released, took.count(), after);
}

}  // namespace swirl
