#include "swirl/lobby/supervisor.hpp"

#include "swirl/core/clock.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>

namespace swirl::lobby {
namespace asio = boost::asio;

ApplicationSupervisor::ApplicationSupervisor(asio::any_io_executor executor, const core::Config& config,
                                             core::BlockingPool& pool, storage::Database& db)
    : io_executor_(executor),
      strand_(asio::make_strand(executor)),
      pool_(pool),
      db_(db),
      history_(std::make_shared<storage::HistoryWriter>(
          executor, pool, db, storage::HistoryLimits{config.history_flush_interval, config.history_max_queued})),
      env_{config, pool, db, counters_, *history_, {}, {}, {}, nullptr, {}} {
  // The lobby calls these on its own strand; the registry is only touched on ours. The
  // supervisor outlives every lobby (App stops the io_context before destroying it).
  env_.on_stopped = [this](const std::string& id, const LobbyServer* lobby) {
    asio::post(strand_, [this, id, lobby] { removed(id, lobby); });
  };
  env_.on_failed = [this](const std::string& id, const LobbyServer* lobby, const std::string& what) {
    asio::post(strand_, [this, id, lobby, what] {
      spdlog::error("lobby={} torn down after a failure ({}); the next join starts a fresh one", id, what);
      removed(id, lobby);
    });
  };
  // Posted (attach, not attach_now): the bounce runs after the removal the stopped lobby has
  // posted already, never inside the join that bounced, which would meet the same lobby again.
  env_.on_bounced_join = [this](JoinRequest request) { attach(std::move(request)); };
  // A new block reaches every other live lobby; each applies it if it holds both users. (Blocks
  // are rare and capped per user; a lobby not live yet loads them when its members get ready.)
  env_.on_blocked = [this](const std::string& blocker, const std::string& blocked, const LobbyServer* from) {
    asio::post(strand_, [this, blocker, blocked, from] {
      for (auto& [id, entry] : lobbies_)
        if (entry.lobby && entry.lobby.get() != from)
          entry.lobby->run([blocker, blocked](LobbyServer& l) { l.apply_block(blocker, blocked); });
    });
  };
}

void ApplicationSupervisor::attach(JoinRequest request) {
  asio::post(strand_, [self = shared_from_this(), request = std::move(request)]() mutable {
    self->do_attach(std::move(request));
  });
}

void ApplicationSupervisor::attach_now(JoinRequest request) {
  asio::dispatch(strand_, [self = shared_from_this(), request = std::move(request)]() mutable {
    self->do_attach(std::move(request));
  });
}

void ApplicationSupervisor::refuse(JoinRequest& request, const std::string& code, const std::string& message,
                                   std::uint16_t close) {
  request.mailbox->deliver(make_frame(error_frame(code, message)));
  request.mailbox->close(close, message);
}

void ApplicationSupervisor::do_attach(JoinRequest request) {
  auto it = lobbies_.find(request.lobby_id);
  if (it != lobbies_.end() && it->second.lobby) {
    // Dispatched: the join may run inside this handler, which does nothing after it (nor do
    // removed(), the other caller, or attach()'s and attach_now()'s handlers).
    it->second.lobby->join_now(std::move(request));
    return;
  }
  if (it == lobbies_.end()) {
    it = lobbies_.emplace(request.lobby_id, Entry{}).first;
    spawn(request.lobby_id);
  }
  if (it->second.pending.size() >= kMaxPendingJoins) {
    refuse(request, "lobby_unavailable", "the lobby is starting; try again", close_code::going_away);
    return;
  }
  it->second.pending.push_back(std::move(request));
}

void ApplicationSupervisor::set_lease_keeper(std::shared_ptr<cluster::LeaseKeeper> keeper) {
  lease_ = std::move(keeper);
  lease_->start([self = weak_from_this()](const std::string& lobby_id) {
    if (auto s = self.lock()) asio::post(s->strand_, [s, lobby_id] { s->lease_lost(lobby_id); });
  });
}

void ApplicationSupervisor::spawn(const std::string& lobby_id) {
  if (!lease_) return load(lobby_id);
  // Multi-node: the lease first, so no other node runs this lobby while it lives here.
  lease_->acquire(lobby_id, [self = shared_from_this(), lobby_id](cluster::LeaseKeeper::Outcome out) {
    asio::post(self->strand_, [self, lobby_id, out] {
      if (out.granted) return self->load(lobby_id);
      Loaded elsewhere;
      elsewhere.elsewhere = out.retry_after;
      self->loaded(lobby_id, out.error, std::move(elsewhere));
    });
  });
}

void ApplicationSupervisor::lease_lost(const std::string& lobby_id) {
  auto it = lobbies_.find(lobby_id);
  if (it == lobbies_.end()) return;
  if (!it->second.lobby) {
    it->second.lease_lost = true;  // still loading: loaded() refuses its joins
    return;
  }
  it->second.lobby->run([lease = lease_, lobby_id](LobbyServer& l) {
    l.stop(std::nullopt, close_code::lobby_moved, "lobby moved");
    lease->note(lobby_id, "stopped");
  });
  auto pending = std::move(it->second.pending);
  lobbies_.erase(it);
  live_count_--;
  history_->flush_soon();
  for (auto& r : pending) refuse(r, "lobby_moved", "lobby moved", close_code::lobby_moved);
  if (on_removed_) on_removed_();
}

void ApplicationSupervisor::load(const std::string& lobby_id) {
  auto& db = db_;
  pool_.run(
      [&db, history = history_, lobby_id]() -> Loaded {
        Loaded out;
        out.record = db.find_lobby(lobby_id);
        if (!out.record) return out;
        // Matches of an earlier actor of this lobby may still be queued: store them before reading.
        history->drain_now();
        out.pairs = db.load_pairs(lobby_id);
        out.bans = db.load_bans(lobby_id, core::now_ms());
        return out;
      },
      asio::bind_executor(strand_, [self = shared_from_this(), lobby_id](std::exception_ptr e, Loaded loaded) {
        self->loaded(lobby_id, e, std::move(loaded));
      }));
}

void ApplicationSupervisor::loaded(const std::string& lobby_id, std::exception_ptr error, Loaded data) {
  auto it = lobbies_.find(lobby_id);
  if (it == lobbies_.end()) return;
  auto pending = std::move(it->second.pending);
  auto waiters = std::move(it->second.waiters);
  auto& record = data.record;
  if (data.elsewhere.count() > 0 || it->second.lease_lost) {
    if (it->second.lease_lost) lease_->release(lobby_id);
    lobbies_.erase(it);
    for (auto& w : waiters) w(nullptr);
    for (auto& r : pending) refuse(r, "lobby_elsewhere", "lobby moved", close_code::lobby_moved);
    return;
  }
  if (error || !record || record->status == storage::LobbyStatus::closed) {
    if (lease_) lease_->release(lobby_id);  // a no-op unless it was granted
    lobbies_.erase(it);
    for (auto& w : waiters) w(nullptr);
    std::string code = error ? "lobby_unavailable" : (!record ? "lobby_not_found" : "lobby_closed");
    std::string message =
        error ? "the lobby could not be loaded; try again" : (!record ? "no such lobby" : "this lobby is closed");
    for (auto& r : pending) refuse(r, code, message, error ? close_code::going_away : close_code::lobby_closed);
    return;
  }
  auto lobby = std::make_shared<LobbyServer>(io_executor_, env_, std::move(*record), data.pairs, data.bans);
  it->second.lobby = lobby;
  live_count_++;
  counters_.lobbies_spawned++;
  spdlog::info("lobby={} started ({} pairs of history, {} bans)", lobby_id, data.pairs.size(), data.bans.size());
  if (lease_) lease_->note(lobby_id, "started");
  lobby->start();
  for (auto& w : waiters) w(lobby);
  for (auto& r : pending) lobby->join(std::move(r));
}

void ApplicationSupervisor::removed(const std::string& lobby_id, const LobbyServer* lobby) {
  auto it = lobbies_.find(lobby_id);
  if (it == lobbies_.end() || it->second.lobby.get() != lobby) return;
  auto pending = std::move(it->second.pending);
  lobbies_.erase(it);
  live_count_--;
  if (lease_) lease_->release(lobby_id);
  history_->flush_soon();  // its matches reach the database now, not at the end of the interval
  for (auto& r : pending) do_attach(std::move(r));
  if (on_removed_) on_removed_();
}

void ApplicationSupervisor::shutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    for (auto& [id, entry] : self->lobbies_)
      if (entry.lobby)
        entry.lobby->run([](LobbyServer& l) { l.stop(std::nullopt, close_code::going_away, "server shutting down"); });
  });
}

void ApplicationSupervisor::stop_all_now() {
  for (auto& [id, entry] : lobbies_)
    if (entry.lobby) entry.lobby->stop(std::nullopt, close_code::going_away, "server shutting down");
  lobbies_.clear();
  live_count_ = 0;
}

asio::awaitable<bool> ApplicationSupervisor::inject_fault(std::string lobby_id) {
  auto r = co_await ask(std::move(lobby_id), [](LobbyServer& l) {
    l.inject_fault();
    return true;
  });
  co_return r.has_value();
}

}  // namespace swirl::lobby
