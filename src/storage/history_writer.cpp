#include "swirl/storage/history_writer.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

namespace swirl::storage {
namespace asio = boost::asio;

namespace {
constexpr std::uint64_t kDropLogEvery = 1000;  // a full queue logs its first drop, then every this many
// How long events naming a deleted user are rewritten, and for how many users at most: a live
// lobby forgets a member whose socket closed within the resume grace (seconds), so an hour is
// ample; past the cap the oldest renames go first.
constexpr auto kRenameKeep = std::chrono::hours(1);
constexpr std::size_t kMaxRenames = 10'000;
}  // namespace

HistoryWriter::HistoryWriter(asio::any_io_executor executor, core::BlockingPool& pool, storage::Database& db,
                             HistoryLimits limits)
    : strand_(asio::make_strand(executor)), pool_(pool), db_(db), limits_(limits), timer_(strand_) {}

void HistoryWriter::add(storage::HistoryEvent event) {
  std::size_t size = 0;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= limits_.max_queued) {
      auto n = ++counters_.dropped;
      if (n == 1 || n % kDropLogEvery == 0)
        spdlog::warn("match history: queue full ({} events waiting); {} event(s) dropped so far", queue_.size(), n);
      return;
    }
    queue_.push_back(std::move(event));
    size = queue_.size();
  }
  if (size % kBatchEvents == 0)
    flush_soon();
  else if (size == 1)
    asio::post(strand_, [self = shared_from_this()] { self->arm_timer(); });
}

void HistoryWriter::add_join(const std::string& lobby_id, const std::string& user_id, std::int64_t at_ms) {
  storage::HistoryEvent joined;
  joined.kind = storage::HistoryEvent::Kind::member_joined;
  joined.lobby_id = lobby_id;
  joined.members = {user_id};
  joined.at_ms = at_ms;
  queue_join(std::move(joined));
}

void HistoryWriter::add_seen(const std::string& user_id, std::int64_t at_ms) {
  storage::HistoryEvent seen;
  seen.kind = storage::HistoryEvent::Kind::user_seen;
  seen.members = {user_id};
  seen.at_ms = at_ms;
  queue_join(std::move(seen));
}

void HistoryWriter::queue_join(storage::HistoryEvent event) {
  const bool joined = event.kind == storage::HistoryEvent::Kind::member_joined;
  std::size_t size = 0;
  {
    std::lock_guard lock(mu_);
    if (joins_.size() >= limits_.max_queued) {
      auto n = joined ? ++counters_.joins_dropped : ++counters_.seen_dropped;
      if (n == 1 || n % kDropLogEvery == 0)
        spdlog::warn("{}: queue full ({} waiting); {} not recorded so far", joined ? "lobby joins" : "last seen",
                     joins_.size(), n);
      return;
    }
    joins_.push_back(std::move(event));
    size = joins_.size();
  }
  if (size % kBatchEvents == 0)
    flush_soon();
  else if (size == 1)
    asio::post(strand_, [self = shared_from_this()] { self->arm_timer(); });
}

void HistoryWriter::flush_soon() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->timer_armed_) self->timer_.cancel();  // its handler sees operation_aborted
    self->timer_armed_ = false;
    self->start_flush();
  });
}

std::size_t HistoryWriter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::size_t HistoryWriter::joins_queued() const {
  std::lock_guard lock(mu_);
  return joins_.size();
}

void HistoryWriter::arm_timer() {
  if (timer_armed_ || flushing_) return;  // a flush in progress re-arms when it ends
  timer_armed_ = true;
  timer_.expires_after(limits_.flush_interval);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    self->timer_armed_ = false;
    self->start_flush();
  });
}

void HistoryWriter::start_flush() {
  if (flushing_) {
    flush_again_ = true;
    return;
  }
  flushing_ = true;
  flush_again_ = false;
  pool_.run([self = shared_from_this()] { self->write_queued(); },
            asio::bind_executor(strand_, [self = shared_from_this()](std::exception_ptr e, bool) {
              self->flushing_ = false;
              // e is PoolOverloaded at most (write_queued catches database errors): the events
              // stay queued for the next attempt.
              if (e) spdlog::warn("match history: flush could not start (blocking pool full); retrying");
              if (self->queued() == 0 && self->joins_queued() == 0) return;
              if (self->flush_again_ && !e)
                self->start_flush();
              else
                self->arm_timer();
            }));
}

void HistoryWriter::drain_now() { write_queued(); }

void HistoryWriter::write_queued() {
  std::lock_guard writing(write_mu_);
  write_queued_locked();
}

Database::DeleteUser HistoryWriter::delete_user(const std::string& user_id, const std::string& anonymous_id,
                                                std::int64_t now_ms) {
  std::lock_guard writing(write_mu_);
  write_queued_locked();
  auto result = db_.delete_user(user_id, anonymous_id, now_ms);
  if (result == Database::DeleteUser::deleted) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    std::erase_if(renamed_, [&](const auto& r) { return now - r.second.second > kRenameKeep; });
    while (renamed_.size() >= kMaxRenames)
      renamed_.erase(std::min_element(renamed_.begin(), renamed_.end(),
                                      [](const auto& a, const auto& b) { return a.second.second < b.second.second; }));
    renamed_[user_id] = {anonymous_id, now};
  }
  return result;
}

void HistoryWriter::write_queued_locked() {
  // Joins first, then the match events, in the same transactions.
  std::vector<storage::HistoryEvent> events;
  {
    std::lock_guard lock(mu_);
    events.swap(joins_);
    if (!renamed_.empty())
      std::erase_if(events, [this](const storage::HistoryEvent& e) { return renamed_.contains(e.members.at(0)); });
    events.insert(events.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    if (!renamed_.empty())
      for (auto& e : events)
        for (auto& m : e.members)
          if (auto it = renamed_.find(m); it != renamed_.end()) m = it->second.first;
  }
  for (std::size_t begin = 0; begin < events.size(); begin += kBatchEvents) {
    auto end = std::min(events.size(), begin + kBatchEvents);
    std::vector<storage::HistoryEvent> batch(
        std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(begin)),
        std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(end)));
    write_batch(batch);
  }
}

void HistoryWriter::write_batch(std::vector<storage::HistoryEvent>& batch) {
  try {
    db_.write_history(batch);
    for (const auto& event : batch) count_written(event);
    counters_.batches_written++;
    return;
  } catch (const std::exception& e) {
    spdlog::warn("match history: a batch of {} event(s) failed ({}); writing them one by one", batch.size(), e.what());
  }
  // One bad event (say, a match whose lobby row is gone) must not cost the others.
  for (auto& event : batch) {
    try {
      db_.write_history({event});
      count_written(event);
      counters_.batches_written++;
    } catch (const std::exception& e) {
      count_failed(event);
      if (event.kind == storage::HistoryEvent::Kind::member_joined)
        spdlog::warn("lobby {}: could not record that {} joined: {}", event.lobby_id, event.members.at(0), e.what());
      else if (event.kind == storage::HistoryEvent::Kind::user_seen)
        spdlog::warn("could not record when {} was last seen: {}", event.members.at(0), e.what());
      else
        spdlog::warn("match history: could not store {} of match {}: {}",
                     event.kind == storage::HistoryEvent::Kind::match_started ? "the start"
                     : event.kind == storage::HistoryEvent::Kind::pairs_met   ? "the pairs"
                                                                              : "the end",
                     event.match_id, e.what());
    }
  }
}

void HistoryWriter::count_written(const storage::HistoryEvent& event) {
  if (event.kind == storage::HistoryEvent::Kind::member_joined)
    counters_.joins_written++;
  else if (event.kind == storage::HistoryEvent::Kind::user_seen)
    counters_.seen_written++;
  else
    counters_.events_written++;
}

void HistoryWriter::count_failed(const storage::HistoryEvent& event) {
  if (event.kind == storage::HistoryEvent::Kind::member_joined)
    counters_.join_errors++;
  else if (event.kind == storage::HistoryEvent::Kind::user_seen)
    counters_.seen_errors++;
  else
    counters_.write_errors++;
}

}  // namespace swirl::storage
