#pragma once
// The match history, written behind the matches in batches. Lobbies queue events (a match
// started, a match ended) from their strands; a flush writes everything queued in one
// transaction per batch on the BlockingPool, at most one flush at a time, so the database sees
// the events in the order they were queued. A flush starts `flush_interval` after the first
// event of an empty queue, at once when kBatchEvents are waiting, and on request (a lobby
// stopped). Whoever reads the history from the database (a lobby loading its pairs, the owner's
// match count of a sleeping lobby) calls drain_now() first, on its pool thread, so it reads
// everything queued before it. App::stop drains what is left after the pool has stopped.
//
// Bounded: past `max_queued` waiting events a new event is dropped, counted and logged. A
// batch that fails is retried event by event; an event that still fails is counted and logged;
// the matches themselves go on either way.
//
// Joins ride along. Who has ever joined which lobby (lobby_members, migration 0004) is what the
// ban check "is or was a member" reads. The WebSocket upgrade queues a user's first join of a
// lobby here (add_join) and starts the session at once; the join is stored with the next flush,
// in the same transaction as the match events, instead of one awaited transaction and two thread
// hand-offs per join. Joins have a queue (and a bound, max_queued) and counters of their own, so
// the match history's figures stay about matches. Still exact where it matters:
//   * a ban drains the writer before it reads lobby_members (api/owner_api.cpp), so a join
//     queued before the ban request is seen, however recent;
//   * App::stop drains the writer: a clean shutdown loses no join;
//   * a deleted user's joins still queued are dropped, not renamed (delete_user removes the
//     user's lobby_members rows; the anonymous id never joined anything);
//   * past the bound a join is dropped, counted and logged; that user then cannot be banned once
//     gone from the lobby's live actor (what a failed write cost when the join was awaited).
//
// A user's last_seen_at rides along the same way (add_seen): a call answered from the token cache
// queues it instead of waiting for a database write (api/users_api.cpp).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "swirl/core/blocking_pool.hpp"
#include "swirl/storage/database.hpp"

namespace swirl::storage {

struct HistoryLimits {
  std::chrono::milliseconds flush_interval{1000};  // an event waits at most about this long
  std::size_t max_queued = 10'000;                 // events waiting before new ones are dropped
};

// Process-wide, ready to become metrics.
struct HistoryCounters {
  std::atomic<std::uint64_t> events_written{0};
  std::atomic<std::uint64_t> batches_written{0};  // transactions committed
  std::atomic<std::uint64_t> write_errors{0};     // events that could not be stored
  std::atomic<std::uint64_t> dropped{0};          // events refused because the queue was full
  // The same for joins (add_join), which have a queue of their own.
  std::atomic<std::uint64_t> joins_written{0};
  std::atomic<std::uint64_t> join_errors{0};
  std::atomic<std::uint64_t> joins_dropped{0};
  // The same for last_seen_at updates (add_seen), which share the joins' queue and bound.
  std::atomic<std::uint64_t> seen_written{0};
  std::atomic<std::uint64_t> seen_errors{0};
  std::atomic<std::uint64_t> seen_dropped{0};
};

class HistoryWriter : public std::enable_shared_from_this<HistoryWriter> {
 public:
  // Events per transaction; a queue this long is flushed without waiting for the interval.
  static constexpr std::size_t kBatchEvents = 512;

  HistoryWriter(boost::asio::any_io_executor executor, core::BlockingPool& pool, storage::Database& db,
                HistoryLimits limits);

  // Queues an event (any thread). Dropped and counted when the queue is full.
  void add(storage::HistoryEvent event);
  // Queues "user_id first joined lobby_id at at_ms" (any thread). Dropped and counted when the
  // joins' queue is full.
  void add_join(const std::string& lobby_id, const std::string& user_id, std::int64_t at_ms);
  // Queues "user_id was seen at at_ms" (any thread), in the joins' queue.
  void add_seen(const std::string& user_id, std::int64_t at_ms);
  // Starts a flush now instead of at the end of the interval (any thread).
  void flush_soon();
  // Writes everything queued so far on the calling thread, after a flush in progress. Blocks:
  // only on a pool thread, or once the io threads and the pool have stopped.
  void drain_now();
  // Deletes a user (Database::delete_user) in order with the history: everything queued before
  // is written first (and so anonymised with the rest), and events queued later that still name
  // the user (a live lobby ending the match they were in) name `anonymous_id` instead, for an
  // hour. Blocks like drain_now().
  Database::DeleteUser delete_user(const std::string& user_id, const std::string& anonymous_id, std::int64_t now_ms);

  std::size_t queued() const;        // match events waiting
  std::size_t joins_queued() const;  // joins waiting
  const HistoryCounters& counters() const { return counters_; }
  const HistoryLimits& limits() const { return limits_; }

 private:
  void queue_join(storage::HistoryEvent event);  // add_join, add_seen
  void arm_timer();                              // on strand_
  void start_flush();                            // on strand_
  void write_queued();
  void write_queued_locked();  // with write_mu_ held
  void write_batch(std::vector<storage::HistoryEvent>& batch);
  void count_written(const storage::HistoryEvent& event);
  void count_failed(const storage::HistoryEvent& event);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  core::BlockingPool& pool_;
  storage::Database& db_;
  HistoryLimits limits_;
  HistoryCounters counters_;

  mutable std::mutex mu_;  // guards queue_ and joins_
  std::vector<storage::HistoryEvent> queue_;
  std::vector<storage::HistoryEvent> joins_;  // member_joined events, written before queue_
  // Deleted users -> their anonymous ids, and when (guarded by mu_; see delete_user).
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> renamed_;
  std::mutex write_mu_;  // one writer at a time: keeps the events in order

  // On strand_.
  boost::asio::steady_timer timer_;
  bool timer_armed_ = false;
  bool flushing_ = false;
  bool flush_again_ = false;
};

}  // namespace swirl::storage
