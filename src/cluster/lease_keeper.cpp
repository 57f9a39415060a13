#include "swirl/cluster/lease_keeper.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "swirl/core/clock.hpp"

namespace swirl::cluster {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {
constexpr std::size_t kTimelineMax = 4096;     // events kept for the timeline (oldest go first)
constexpr std::size_t kElsewhereMax = 10'000;  // remembered refusals before expired ones are pruned
constexpr std::size_t kMaxQueuedLeaseCalls = 100'000;

std::chrono::seconds retry_after(milliseconds remaining) {
  // Whole seconds, rounded up, at least one: a client may come back when the lease can move.
  return std::chrono::seconds(std::max<long long>(1, (remaining.count() + 999) / 1000));
}
}  // namespace

std::string default_node_id() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::string name;
  for (const char* p = host.data(); *p && name.size() < 40; ++p)
    name += std::isalnum(static_cast<unsigned char>(*p)) || *p == '-' || *p == '.' ? *p : '_';
  return (name.empty() ? std::string("node") : name) + "-" + std::to_string(::getpid());
}

LeaseKeeper::LeaseKeeper(asio::any_io_executor executor, LeaseSettings settings)
    : settings_(std::move(settings)),
      strand_(asio::make_strand(executor)),
      timer_(strand_),
      // Often enough that a lobby stops well inside its margin after its local deadline.
      tick_(std::max(milliseconds(10), std::min(settings_.renew_interval, settings_.margin / 4))),
      store_(std::make_shared<LeaseStore>(settings_.database_url, settings_.ttl)),
      pool_(1, kMaxQueuedLeaseCalls) {}

LeaseKeeper::~LeaseKeeper() { pool_.stop(); }

void LeaseKeeper::start(std::function<void(const std::string&)> on_lost) {
  on_lost_ = std::move(on_lost);
  asio::post(strand_, [self = shared_from_this()] { self->tick(); });
}

void LeaseKeeper::stop() {
  stopping_ = true;
  asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
  pool_.stop();
}

void LeaseKeeper::acquire(const std::string& lobby_id, std::function<void(Outcome)> done) {
  asio::post(strand_, [self = shared_from_this(), lobby_id, done = std::move(done)]() mutable {
    auto store = self->store_;
    auto job = [store, lobby_id, node = self->settings_.node_id] {
      auto sent = Clock::now();
      return std::make_pair(sent, store->acquire(lobby_id, node));
    };
    self->pool_.run(std::move(job), asio::bind_executor(self->strand_, [self, lobby_id, done = std::move(done)](
                                                                           std::exception_ptr e,
                                                                           std::pair<Clock::time_point, LeaseGrant> r) {
                      Outcome out;
                      if (e) {
                        out.error = e;
                      } else if (r.second.granted) {
                        out.granted = true;
                        self->held_[lobby_id] = r.first;
                        self->stats_.held = self->held_.size();
                        self->stats_.acquired++;
                        std::lock_guard lock(self->mu_);
                        self->elsewhere_.erase(lobby_id);
                      } else {
                        out.retry_after = retry_after(r.second.remaining);
                        self->stats_.refused++;
                        spdlog::info("lobby={} is leased by node {} for {} ms more: not started here", lobby_id,
                                     r.second.holder, r.second.remaining.count());
                        std::lock_guard lock(self->mu_);
                        auto now = Clock::now();
                        if (self->elsewhere_.size() >= kElsewhereMax)
                          std::erase_if(self->elsewhere_, [now](const auto& kv) { return kv.second <= now; });
                        // Kept a second past the expiry: the refusal of an acquire that raced it.
                        self->elsewhere_[lobby_id] = now + r.second.remaining + std::chrono::seconds(1);
                      }
                      done(out);
                    }));
  });
}

void LeaseKeeper::release(const std::string& lobby_id) {
  asio::post(strand_, [self = shared_from_this(), lobby_id] {
    if (self->held_.erase(lobby_id) == 0) return;  // lost already
    self->stats_.held = self->held_.size();
    self->stats_.released++;
    auto job = [store = self->store_, lobby_id, node = self->settings_.node_id] { store->release(lobby_id, node); };
    self->pool_.run(std::move(job), asio::bind_executor(self->strand_, [lobby_id](std::exception_ptr e, bool) {
                      // Not fatal: the lease expires by itself after its TTL.
                      if (e) spdlog::warn("lobby={}: could not release its lease now; it expires by itself", lobby_id);
                    }));
  });
}

std::size_t LeaseKeeper::release_all_now() {
  stopping_ = true;
  try {
    auto n = store_->release_all(settings_.node_id);
    spdlog::info("node {}: released {} lobby lease(s)", settings_.node_id, n);
    return n;
  } catch (const std::exception& e) {
    spdlog::warn("node {}: could not release its leases ({}); they expire by themselves", settings_.node_id, e.what());
    return 0;
  }
}

std::optional<std::chrono::seconds> LeaseKeeper::elsewhere(const std::string& lobby_id) const {
  std::lock_guard lock(mu_);
  auto it = elsewhere_.find(lobby_id);
  if (it == elsewhere_.end() || it->second <= Clock::now()) return std::nullopt;
  auto left = std::chrono::duration_cast<milliseconds>(it->second - Clock::now() - std::chrono::seconds(1));
  return retry_after(std::max(left, milliseconds(0)));
}

asio::awaitable<std::optional<std::chrono::seconds>> LeaseKeeper::held_elsewhere(std::string lobby_id) {
  auto job = [store = store_, lobby_id, node = settings_.node_id] { return store->holder_other_than(lobby_id, node); };
  LeaseGrant g = co_await pool_.run(std::move(job), asio::use_awaitable);
  if (g.granted) co_return std::nullopt;
  co_return retry_after(g.remaining);
}

void LeaseKeeper::note(const std::string& lobby_id, const char* event) {
  auto at = core::now_ms();
  spdlog::info("lobby={} {} on node {} at {}", lobby_id, event, settings_.node_id, at);
  std::lock_guard lock(mu_);
  if (timeline_.size() >= kTimelineMax) timeline_.pop_front();
  timeline_.push_back(nlohmann::json{{"lobby", lobby_id}, {"event", event}, {"at_ms", at}});
}

nlohmann::json LeaseKeeper::timeline() const {
  std::lock_guard lock(mu_);
  auto out = nlohmann::json::array();
  for (const auto& e : timeline_) out.push_back(e);
  return out;
}

void LeaseKeeper::lose(const std::string& lobby_id, bool expired) {
  held_.erase(lobby_id);
  stats_.held = held_.size();
  (expired ? stats_.lost_expired : stats_.lost_taken)++;
  spdlog::warn("lobby={}: lease {} on node {}; stopping it here", lobby_id, expired ? "not renewed in time" : "lost",
               settings_.node_id);
  if (on_lost_) on_lost_(lobby_id);
}

void LeaseKeeper::tick() {
  if (stopping_) return;
  auto now = Clock::now();
  auto keep_for = settings_.ttl - settings_.margin;
  std::vector<std::string> due;
  for (const auto& [id, sent] : held_)
    if (now >= sent + keep_for) due.push_back(id);
  for (const auto& id : due) lose(id, true);
  if (!renewing_ && now >= next_renew_ && !held_.empty()) renew();
  timer_.expires_after(tick_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->tick();
  });
}

void LeaseKeeper::renew() {
  renewing_ = true;
  next_renew_ = Clock::now() + settings_.renew_interval;
  std::vector<std::string> ids;
  ids.reserve(held_.size());
  for (const auto& [id, sent] : held_) ids.push_back(id);
  auto job = [store = store_, node = settings_.node_id, ids] {
    auto sent = Clock::now();
    return std::make_pair(sent, store->renew(node, ids));
  };
  pool_.run(std::move(job), asio::bind_executor(strand_, [self = shared_from_this(), ids](
                                                             std::exception_ptr e,
                                                             std::pair<Clock::time_point, std::vector<std::string>> r) {
              self->renewing_ = false;
              if (self->stopping_) return;
              if (e) {
                self->stats_.renew_failures++;
                try {
                  std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                  spdlog::warn("node {}: lease renewal failed ({}); lobbies stop at their deadline unless it recovers",
                               self->settings_.node_id, ex.what());
                }
                return;
              }
              std::unordered_set<std::string> kept(r.second.begin(), r.second.end());
              for (const auto& id : ids) {
                auto it = self->held_.find(id);
                if (it == self->held_.end()) continue;  // stopped meanwhile
                if (kept.count(id))
                  it->second = std::max(it->second, r.first);
                else if (it->second <= r.first)  // not re-acquired since this renewal was sent
                  self->lose(id, false);
              }
            }));
}

}  // namespace swirl::cluster
