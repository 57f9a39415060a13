#pragma once
// One live lobby: an actor whose whole state lives on its own strand and is touched nowhere
// else. It keeps the members and their connections (mailboxes), readiness, matches and the
// match history; runs the matcher; relays signals between members of the same match; watches
// activity (resume grace periods, idle shutdown, round length). Every entry point posts itself
// onto the strand and runs guarded: an exception tears down this lobby alone (its members get
// `error` lobby_failed and close 1011) and the supervisor is told.

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <nlohmann/json.hpp>

#include "swirl/core/blocking_pool.hpp"
#include "swirl/core/config.hpp"
#include "swirl/core/metrics.hpp"
#include "swirl/ice/ice_provider.hpp"
#include "swirl/lobby/admission.hpp"
#include "swirl/lobby/mailbox.hpp"
#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/member.hpp"
#include "swirl/lobby/members.hpp"
#include "swirl/lobby/owner_change.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/lobby/readiness.hpp"
#include "swirl/storage/database.hpp"
#include "swirl/storage/history_writer.hpp"
#include "swirl/storage/records.hpp"

namespace swirl::lobby {

class LobbyServer;
class BlockedUsers;

// Process-wide counters, ready to become metrics.
struct LobbyCounters {
  std::atomic<std::uint64_t> lobbies_spawned{0};
  std::atomic<std::uint64_t> lobbies_stopped{0};
  std::atomic<std::uint64_t> lobbies_failed{0};
  std::atomic<std::uint64_t> matches_made{0};
  std::atomic<std::uint64_t> signals_relayed{0};
  std::atomic<std::uint64_t> joins_refused_banned{0};  // joins stopped by a ban after their upgrade
  CallEventTotals call_events;                         // `call_event` reports of live matches
};

// What a lobby needs from the application. The callbacks are called on the lobby's strand.
struct LobbyEnvironment {
  const core::Config& config;
  core::BlockingPool& pool;
  storage::Database& db;
  LobbyCounters& counters;
  storage::HistoryWriter& history;  // matches and their pairs are queued here and written behind
  std::function<void(const std::string& lobby_id, const LobbyServer* lobby)> on_stopped;
  std::function<void(const std::string& lobby_id, const LobbyServer* lobby, const std::string& what)> on_failed;
  // A join that reached a lobby which had already stopped goes back to the supervisor.
  std::function<void(struct JoinRequest request)> on_bounced_join;
  // Where members' ICE servers come from (welcome, ice_servers); null: none are sent.
  std::shared_ptr<ice::IceProvider> ice = nullptr;
  // A block was stored by a member of `from`: the other live lobbies apply it too (apply_block).
  std::function<void(const std::string& blocker, const std::string& blocked, const LobbyServer* from)> on_blocked;
  // Who may have blocks (lobby/blocked_users.hpp); null: everyone's are read.
  std::shared_ptr<BlockedUsers> blocked_users = nullptr;
};

// A user whose WebSocket was accepted, asking to enter the lobby.
struct JoinRequest {
  std::string lobby_id;
  std::string user_id;
  std::string display_name;
  std::shared_ptr<Mailbox> mailbox;
  // Called (on the lobby's strand) once the member is registered, so the session can route
  // its messages to this lobby, naming itself by its member id (see handle_message).
  std::function<void(std::shared_ptr<LobbyServer>, MemberId)> on_attached;
};

class LobbyServer : public std::enable_shared_from_this<LobbyServer> {
 public:
  // Who is banned and until when (Unix ms), as loaded with the record.
  using Bans = std::vector<std::pair<std::string, std::int64_t>>;

  LobbyServer(boost::asio::any_io_executor executor, LobbyEnvironment& env, storage::LobbyRecord record,
              const std::vector<storage::PairRecord>& history, const Bans& bans = {});
  ~LobbyServer();

  const std::string& id() const { return id_; }
  // The strand the lobby and its attached sessions run on.
  const LobbyStrand& strand() const { return strand_; }

  void start();
  void join(JoinRequest request);
  // The same, but run at once when the strand is free (asio::dispatch), else queued behind what
  // is. Only for the supervisor, whose handler does nothing after this call: the join may run
  // inside it. (A join that finds the lobby stopped still goes back through the supervisor's
  // posting attach(), so it never re-enters the same stopped lobby.)
  void join_now(JoinRequest request);
  // A member's command. Must be called on this lobby's strand: an attached session runs there.
  // `mid` is the member id the session was given when attached; a session that was replaced
  // or removed is ignored.
  void handle_message(const std::shared_ptr<Mailbox>& from, MemberId mid, ClientCommand& command);
  // The member's connection is gone; its resume grace starts (posted: the caller may be inside
  // the actor's own code, say a write that failed during a broadcast).
  void disconnected(std::shared_ptr<Mailbox> from, std::string user_id);

  // Runs f(*this) on the strand, guarded; for the supervisor's request/response access.
  template <class F>
  void run(F f) {
    boost::asio::post(strand_,
                      [self = shared_from_this(), f = std::move(f)]() mutable { self->guarded([&] { f(*self); }); });
  }
  // The same, but run at once when the strand is free (asio::dispatch). Only for a caller that
  // does nothing after this call (the supervisor's ask(), whose answer is posted back).
  template <class F>
  void run_now(F f) {
    boost::asio::dispatch(
        strand_, [self = shared_from_this(), f = std::move(f)]() mutable { self->guarded([&] { f(*self); }); });
  }

  // Stops the lobby: every member is sent `frame` (if any) and closed with code/reason.
  // Called on the strand.
  void stop(std::optional<Frame> frame, std::uint16_t code, const std::string& reason);
  bool stopped() const { return stopped_; }

  // Read-only views, on the strand.
  nlohmann::json state_json() const;
  std::size_t member_count() const { return members_.size(); }
  bool has_member(const std::string& user_id) const { return members_.find(user_id) != nullptr; }
  const storage::LobbyRecord& record() const { return record_; }
  // When the user's ban here ends (Unix ms), if one is still running. The lobby keeps its bans
  // in memory (loaded at spawn, kept current by record_ban), so admission asks no database.
  std::optional<std::int64_t> banned_until(const std::string& user_id) const;

  // Owner actions, on the strand (through the supervisor's ask()). A change to the lobby's
  // record (settings, status, owner, bans) comes only through apply(), after api/owner_api.cpp
  // stored it: the actor's record stays what the database holds (lobby/owner_change.hpp).
  void apply(const OwnerChange& change);
  // Removes a member at once (no grace period): `kicked`, then close 4003. False if absent.
  bool kick(const std::string& user_id, int ban_seconds);
  bool end_match_by_owner(const std::string& match_id);
  // Sends an announcement to every connected member; returns how many.
  std::size_t announce(const std::string& message);
  // A block stored through another lobby: the pair is kept apart here too (their match, if
  // any, ends as for a block made here) when both have a place in this lobby.
  void apply_block(const std::string& blocker, const std::string& blocked);
  // Test hook: the next guarded handler throws (only with SWIRL_TEST_HOOKS and --test-hooks).
  void inject_fault();

 private:
  template <class F>
  void guarded(F&& f) {
    if (stopped_) return;
    try {
#ifdef SWIRL_TEST_HOOKS
      if (fault_armed_) {
        fault_armed_ = false;
        throw std::runtime_error("injected fault");
      }
#endif
      f();
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("unknown exception");
    }
  }
  void fail(const std::string& what);

  // Entry points, on the strand (lobby_server.cpp).
  void enter(JoinRequest request);  // join and join_now: bounced if stopped, else do_join
  void do_join(JoinRequest& request);
  // Tells a join the rule refused why (`error`) and closes it (docs/protocol.md, "Errors").
  void refuse_join(JoinRequest& request, Entry entry, const EntryFacts& facts, std::int64_t now);
  void do_message(Member& m, ClientCommand& command);
  void do_disconnected(const std::shared_ptr<Mailbox>& from, const std::string& user_id);
  void on_grace_expired(const std::string& user_id);
  // `leave`: gone at once (socket closed 1000), or, when the page is closing, on the next drop
  // after the page-close grace instead of the resume grace.
  void leave_lobby(Member& m, bool page_closing);
  // Takes `m` out of the lobby: out of its match first (the others get `reason_for_others`, the
  // leaver no match_ended), then out of the registry. `m` is gone afterwards.
  void remove_member(Member& m, MatchEndReason reason_for_others);

  // The parts of an owner change (lobby_owner.cpp).
  void apply_settings(const storage::LobbySettings& settings);
  void set_status(storage::LobbyStatus status);
  // A ban just stored by the owner API: joins are refused until it ends.
  void record_ban(const std::string& user_id, std::int64_t until_ms);
  // The lobby is closed for good: members are told and disconnected (4004), the actor stops.
  void close_for_good();

  // Readiness and matches (lobby_matches.cpp).
  void set_ready(Member& m, bool ready);
  void stamp_ready(Member& m);
  void relay_signal(Member& from, SignalCommand& signal);
  // Ends `m`'s part in its match; the others go on (while two remain) or their match ends too.
  void leave_match(Member& m, MatchEndReason reason, bool requested_ready, MatchEndReason reason_for_others,
                   bool tell_leaver = true);
  void end_match(const std::string& match_id, MatchEndReason reason);
  // The end of a match for one member, written once: the state machine's transition, the new
  // readiness stamped, and match_ended sent when `tell` (and the member is connected).
  void finish_match_for(Member& m, const std::string& match_id, MatchEndReason reason, bool requested_ready, bool tell);
  void schedule_matching();
  // Matches whom it can; everyone ready and left waiting hears why (tell_waiting).
  void run_matching();
  // Sends `waiting` when the member's reason changed.
  void tell_waiting(Member& m, WaitingReason reason);
  void create_match(const std::vector<MemberId>& group);

  // Peer media (lobby_media.cpp).
  void set_media_state(Member& m, const MediaStateCommand& cmd);
  void media_flowing(Member& m, const MediaFlowingCommand& cmd);
  // Records the new match's pairs in the matcher's history and arms the no-media check; false
  // when the pairs must wait (the rule is on) before they are written to the database.
  bool record_match_pairs(Match& match, const std::vector<MemberId>& group, std::int64_t now);
  // Queues pairs_met once for a match whose pairs were held back.
  void confirm_pairs(Match& match);
  // A match ends: its held-back pairs are written, or, for no_media, taken back.
  void settle_pairs(Match& match, MatchEndReason reason);
  void arm_no_media_check(Match& match, std::chrono::milliseconds after);
  void on_no_media_check(const std::string& match_id);

  // ICE servers (lobby_ice.cpp): a member's grant, remembered for renewal; and the heartbeat's
  // pass that sends `ice_servers` to members whose credentials are due for renewal.
  ice::IceGrant grant_ice(Member& m);
  void renew_ice_servers();

  // Blocks and reports (lobby_safety.cpp).
  // Whether `m` may name `user_id` in a block or report: a member of their current match, or
  // someone they were matched with here (no user enumeration: anyone else is not_matched).
  bool may_target(const Member& m, const std::string& user_id) const;
  void block(Member& m, const BlockCommand& cmd);
  void report(Member& m, ReportCommand& cmd);
  // Ends the pair's match if they share one (the blocker hears `blocked`, the others as if the
  // blocker left) and keeps them apart from now on. No-op unless both hold a dense id here.
  void keep_apart(const std::string& blocker, const std::string& blocked);
  // Starts loading `m`'s blocks (once); they are matched once it is done.
  // True when they are known at once (no block to read: lobby/blocked_users.hpp).
  bool load_blocks(Member& m);
  void blocks_loaded(const std::string& user_id, std::uint64_t join_seq, std::exception_ptr error,
                     const std::vector<std::string>& others);

  // Frames out (written by lobby/frames.hpp) and the timers (lobby_server.cpp).
  // The lobby changed: a lobby_status snapshot is due, at most one per status_interval. `soon`:
  // after the handlers queued now, so a burst of changes makes one snapshot; `now` (a join,
  // inside enter()'s batch): at once when the interval allows, in the welcome's write.
  enum class StatusDue { soon, now };
  void mark_status_dirty(StatusDue when = StatusDue::soon);
  void broadcast_status();
  void send(Member& m, std::string frame);
  void send_to_match_peers(const Match& match, const Member& except, std::string frame);
  // One shared frame to every connected member (announcement, owner_changed); returns how many.
  std::size_t deliver_to_connected(const Frame& frame);
  void update_idle_timer();
  void schedule_heartbeat();
  std::int64_t now_ms() const;

  LobbyStrand strand_;
  LobbyEnvironment& env_;
  std::string id_;
  storage::LobbyRecord record_;
  bool stopped_ = false;
#ifdef SWIRL_TEST_HOOKS
  bool fault_armed_ = false;
#endif

  MemberRegistry members_;  // members and the dense ids of everyone with history here
  std::unordered_map<std::string, Match> matches_;
  std::uint64_t next_join_seq_ = 0;
  std::uint64_t ready_order_ = 0;

  MatchHistory history_;
  std::unordered_map<std::string, std::int64_t> bans_;  // user id -> banned until (Unix ms)

  bool matching_scheduled_ = false;
  bool status_pending_ = false;
  std::string settings_json_;  // record_.settings as JSON, for welcome; kept with the settings
  std::chrono::steady_clock::time_point last_status_{};
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer idle_timer_;
  boost::asio::steady_timer heartbeat_timer_;

  std::uint64_t matches_made_ = 0;
  // This lobby's part of the process-wide member gauges (/metrics), published with each lobby_status.
  core::GaugeShare members_gauge_{core::metrics().lobby_members};
  core::GaugeShare ready_gauge_{core::metrics().ready_members};
  std::uint64_t repeats_avoided_ = 0;  // ready members left waiting although a met partner was free
};

}  // namespace swirl::lobby
