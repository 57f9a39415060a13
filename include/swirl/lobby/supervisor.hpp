#pragma once
// ApplicationSupervisor: the registry of live lobbies, on its own strand. It spawns a lobby
// actor lazily when the first user attaches (loading the lobby and its match history from the
// database on the blocking pool), forgets it when it stops (idle) or fails (after which the
// next join spawns a fresh one), and gives HTTP handlers request/response access to a live
// lobby's state without touching it from another thread.

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "swirl/cluster/lease_keeper.hpp"
#include "swirl/lobby/lobby_server.hpp"

namespace swirl::lobby {

class ApplicationSupervisor : public std::enable_shared_from_this<ApplicationSupervisor> {
 public:
  // Joins waiting for one lobby to load before new ones are refused.
  static constexpr std::size_t kMaxPendingJoins = 4096;

  ApplicationSupervisor(boost::asio::any_io_executor executor, const core::Config& config, core::BlockingPool& pool,
                        storage::Database& db);

  // Same as ask(), but a lobby without a live actor is spawned first (for a WebSocket upgrade,
  // which joins right after): one database round trip loads what admission and the actor both
  // need. nullopt when the lobby cannot be spawned (unknown, closed, or the load failed).
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F&, LobbyServer&>>> ask_spawning(std::string lobby_id,
                                                                                             F f) {
    return ask_impl(std::move(lobby_id), std::move(f), true);
  }

  // Places an accepted connection in its lobby, spawning the lobby if needed.
  void attach(JoinRequest request);
  // The same, but run at once when the supervisor's strand is free (asio::dispatch), and so the
  // live lobby's join too: for the upgrade, whose coroutine ends with this call. Nothing that
  // runs on the supervisor's or a lobby's strand may call it (a join bounced by a stopped lobby
  // comes back through attach(), which posts).
  void attach_now(JoinRequest request);

  // Runs f(LobbyServer&) on the live lobby's strand and returns its result, or nullopt when
  // the lobby has no live actor. The caller resumes on its own executor.
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F&, LobbyServer&>>> ask(std::string lobby_id, F f) {
    return ask_impl(std::move(lobby_id), std::move(f), false);
  }

  // Stops every lobby (server shutdown): members are closed with 1001.
  void shutdown();
  // The same, synchronously, once no io thread runs any more (App::stop): drops every
  // lobby's references to its members' sessions, so nothing is left in a cycle.
  void stop_all_now();

  LobbyCounters& counters() { return counters_; }
  // Called (on the supervisor's strand) each time a lobby has shut down and let go of its
  // memory; set before the first join. App uses it to give memory back (app/housekeeping.hpp).
  void on_lobby_removed(std::function<void()> f) { on_removed_ = std::move(f); }
  storage::HistoryWriter& history() { return *history_; }
  // Before the first join: where lobbies get their members' ICE servers.
  void set_ice_provider(std::shared_ptr<ice::IceProvider> provider) { env_.ice = std::move(provider); }
  // Before the first join: who may have blocks (lobby/blocked_users.hpp).
  void set_blocked_users(std::shared_ptr<BlockedUsers> users) { env_.blocked_users = std::move(users); }
  std::size_t live_lobbies() const { return live_count_.load(); }
  // Multi-node mode (docs/scaling.md), before the first join: a lobby is spawned only under a
  // lease from `keeper`, and stops (members closed with 4005) when the lease is lost.
  void set_lease_keeper(std::shared_ptr<cluster::LeaseKeeper> keeper);
  cluster::LeaseKeeper* lease_keeper() const { return lease_.get(); }

  // Test hook: makes the live lobby's next handler throw. False when it is not live.
  boost::asio::awaitable<bool> inject_fault(std::string lobby_id);

 private:
  struct Entry {
    std::shared_ptr<LobbyServer> lobby;                                             // null while loading
    std::deque<JoinRequest> pending;                                                // joins waiting for the load
    std::vector<std::function<void(const std::shared_ptr<LobbyServer>&)>> waiters;  // ask()s waiting for it
    bool lease_lost = false;                                                        // while loading
  };

  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F&, LobbyServer&>>> ask_impl(std::string lobby_id, F f,
                                                                                         bool spawn);
  void do_attach(JoinRequest request);
  void spawn(const std::string& lobby_id);
  void load(const std::string& lobby_id);
  void lease_lost(const std::string& lobby_id);
  struct Loaded {
    std::optional<storage::LobbyRecord> record;
    std::vector<storage::PairRecord> pairs;
    LobbyServer::Bans bans;
    std::chrono::seconds elsewhere{0};  // > 0: another node holds the lease (retry after this)
  };
  void loaded(const std::string& lobby_id, std::exception_ptr error, Loaded loaded);
  void removed(const std::string& lobby_id, const LobbyServer* lobby);
  static void refuse(JoinRequest& request, const std::string& code, const std::string& message, std::uint16_t close);

  boost::asio::any_io_executor io_executor_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  core::BlockingPool& pool_;
  storage::Database& db_;
  LobbyCounters counters_;
  std::shared_ptr<storage::HistoryWriter> history_;
  LobbyEnvironment env_;
  std::unordered_map<std::string, Entry> lobbies_;
  std::atomic<std::size_t> live_count_{0};
  std::function<void()> on_removed_;
  std::shared_ptr<cluster::LeaseKeeper> lease_;
};

namespace detail {
// Completes an ask() exactly once: with the lobby's answer, or with nullopt if that never
// comes (no live lobby, or it stopped or failed first). A named class rather than a local
// one: clang 16 fails to emit destructors of classes local to generic lambdas.
template <class Handler, class Work, class Result>
struct AskReply {
  std::optional<Handler> h;
  std::optional<Work> w;
  void operator()(Result r) {
    if (!h) return;
    boost::asio::post(*w, [h = std::move(*h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
    h.reset();
  }
  ~AskReply() { (*this)(Result{}); }
};
}  // namespace detail

template <class F>
boost::asio::awaitable<std::optional<std::invoke_result_t<F&, LobbyServer&>>> ApplicationSupervisor::ask_impl(
    std::string lobby_id, F f, bool spawn) {
  using R = std::invoke_result_t<F&, LobbyServer&>;
  using Result = std::optional<R>;
  auto self = shared_from_this();
  auto initiate = [self, lobby_id = std::move(lobby_id), f = std::move(f), spawn](auto handler) mutable {
    auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                    boost::asio::execution::outstanding_work.tracked);
    auto reply = std::make_shared<detail::AskReply<decltype(handler), decltype(work), Result>>();
    reply->h.emplace(std::move(handler));
    reply->w.emplace(std::move(work));
    auto job = std::make_shared<F>(std::move(f));
    auto run_on = [reply, job](const std::shared_ptr<LobbyServer>& lobby) {
      if (!lobby) return;  // reply's destructor answers nullopt
      lobby->run_now([reply, job](LobbyServer& l) { (*reply)(Result{(*job)(l)}); });
    };
    // Dispatched, not posted: when the supervisor's strand and then the lobby's are free, the
    // lookup and f run at once, inside this initiation, instead of costing a round of the
    // scheduler each. Neither touches the caller; the answer itself is posted (AskReply), so
    // the awaiting coroutine never resumes inside its own initiation.
    boost::asio::dispatch(self->strand_, [self, lobby_id = std::move(lobby_id), run_on, spawn]() mutable {
      auto it = self->lobbies_.find(lobby_id);
      if (it == self->lobbies_.end()) {
        if (!spawn) return;
        it = self->lobbies_.emplace(lobby_id, Entry{}).first;
        self->spawn(lobby_id);
      }
      if (it->second.lobby)
        run_on(it->second.lobby);
      else
        it->second.waiters.push_back(run_on);  // loading: runs once it is live
    });
  };
  auto op = boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Result)>(
      std::move(initiate), boost::asio::use_awaitable);
  co_return co_await std::move(op);
}

}  // namespace swirl::lobby
