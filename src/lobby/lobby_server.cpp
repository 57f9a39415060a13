// The lobby actor's core: its entry points (join, a member's message, a dropped connection),
// membership (resume, replace, grace period, removal), the lobby-wide timers (idle shutdown,
// heartbeat, status snapshots) and sending. Matches live in lobby_matches.cpp, owner actions in
// lobby_owner.cpp, media in lobby_media.cpp, ICE in lobby_ice.cpp. Every frame is written by
// lobby/frames.hpp; the rules are lobby/member_state.hpp, readiness.hpp and matchmaking.hpp.

#include "swirl/lobby/lobby_server.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>

#include "swirl/core/clock.hpp"
#include "swirl/lobby/frames.hpp"

namespace swirl::lobby {
namespace asio = boost::asio;

LobbyServer::LobbyServer(asio::any_io_executor executor, LobbyEnvironment& env, storage::LobbyRecord record,
                         const std::vector<storage::PairRecord>& history, const Bans& bans)
    : strand_(asio::make_strand(static_cast<asio::io_context&>(asio::query(executor, asio::execution::context)))),
      env_(env),
      id_(record.id),
      record_(std::move(record)),
      status_timer_(strand_),
      idle_timer_(strand_),
      heartbeat_timer_(strand_) {
  for (const auto& p : history) history_.record(members_.id_for(p.user_a), members_.id_for(p.user_b), p.last_met_at_ms);
  for (const auto& [user, until] : bans) bans_[user] = until;
  settings_json_ = record_.settings.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

LobbyServer::~LobbyServer() = default;

std::int64_t LobbyServer::now_ms() const { return core::now_ms(); }

void LobbyServer::start() {
  asio::post(strand_, [self = shared_from_this()] {
    self->guarded([&] {
      self->update_idle_timer();
      self->schedule_heartbeat();
    });
  });
}

void LobbyServer::schedule_heartbeat() {
  // Every quarter of the idle timeout: a quiet connection is pinged at half of it and dropped
  // at the whole of it (so between 1 and 1.25 idle timeouts after its last byte).
  auto period = std::max<std::chrono::milliseconds>(env_.config.ws_idle_timeout / 4, std::chrono::milliseconds(10));
  heartbeat_timer_.expires_after(period);
  heartbeat_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopped_) return;
    self->guarded([&] {
      auto now = std::chrono::steady_clock::now();
      // A heartbeat may drop a session, which reaches us later as a posted disconnect: the
      // registry does not change under this loop.
      self->members_.for_each([&](Member& m) {
        if (m.mailbox) m.mailbox->heartbeat(now);
      });
      self->renew_ice_servers();
      self->schedule_heartbeat();
    });
  });
}

void LobbyServer::join(JoinRequest request) {
  asio::post(strand_,
             [self = shared_from_this(), request = std::move(request)]() mutable { self->enter(std::move(request)); });
}

void LobbyServer::join_now(JoinRequest request) {
  asio::dispatch(strand_, [self = shared_from_this(), request = std::move(request)]() mutable {
    self->enter(std::move(request));
  });
}

void LobbyServer::enter(JoinRequest request) {
  if (stopped_) {
    // Stopped between the supervisor's lookup and now: let the supervisor place it again. It
    // posts, so a bounce never runs inside the join that bounced.
    env_.on_bounced_join(std::move(request));
    return;
  }
  // The welcome, the lobby's snapshot and the connection's handshake response leave in one write.
  DeliveryBatch batch;
  guarded([&] { do_join(request); });
}

void LobbyServer::handle_message(const std::shared_ptr<Mailbox>& from, MemberId mid, ClientCommand& command) {
  guarded([&] {
    Member* m = members_.find(mid);
    if (!m || m->mailbox != from) return;  // a replaced or removed connection
    do_message(*m, command);
  });
}

void LobbyServer::disconnected(std::shared_ptr<Mailbox> from, std::string user_id) {
  asio::post(strand_, [self = shared_from_this(), from = std::move(from), user_id = std::move(user_id)] {
    self->guarded([&] { self->do_disconnected(from, user_id); });
  });
}

void LobbyServer::inject_fault() {
#ifdef SWIRL_TEST_HOOKS
  asio::post(strand_, [self = shared_from_this()] {
    self->fault_armed_ = true;
    self->guarded([] {});
  });
#endif
}

void LobbyServer::fail(const std::string& what) {
  if (stopped_) return;
  spdlog::error("lobby={} failed: {}", id_, what);
  env_.counters.lobbies_failed++;
  stop(make_frame(error_frame("lobby_failed", "the lobby hit an internal error and was restarted; reconnect")),
       close_code::internal, "lobby failed");
  env_.on_failed(id_, this, what);
}

void LobbyServer::stop(std::optional<Frame> frame, std::uint16_t code, const std::string& reason) {
  if (stopped_) return;
  stopped_ = true;
  members_.for_each([&](Member& m) {
    if (m.grace_timer) m.grace_timer->cancel();
    if (!m.mailbox) return;
    if (frame) m.mailbox->deliver(*frame);
    m.mailbox->close(code, reason);
  });
  for (auto& [mid, match] : matches_) {
    if (match.round_timer) match.round_timer->cancel();
    if (match.media_timer) match.media_timer->cancel();
  }
  status_timer_.cancel();
  idle_timer_.cancel();
  heartbeat_timer_.cancel();
  // Release the memory now; the object itself goes when the last handler lets go of it.
  matches_.clear();
  members_.clear();
  members_gauge_.publish(0);
  ready_gauge_.publish(0);
  history_ = MatchHistory{};
}

void LobbyServer::do_join(JoinRequest& req) {
  auto now = now_ms();
  Member* existing = members_.find(req.user_id);
  // Admission asked the same rule before the upgrade; a ban, a lock or the last free place may
  // have come since.
  EntryFacts facts{record_.status, banned_until(req.user_id), existing != nullptr, members_.size(),
                   record_.settings.max_members};
  if (auto entry = entry_for(facts, now); entry != Entry::allowed) {
    refuse_join(req, entry, facts, now);
    return;
  }
  auto presence = !existing ? Presence::absent : existing->mailbox ? Presence::connected : Presence::disconnected;
  auto outcome = join_outcome(presence);
  Member* joined = existing;
  if (existing) core::metrics().resumes.inc();
  switch (outcome) {
    case JoinOutcome::replace:  // a second tab takes over: the first is closed
      existing->mailbox->close(close_code::replaced, "replaced by a new connection");
      break;
    case JoinOutcome::resume:  // back within the grace period: the others in the match are told
      if (existing->grace_timer) {
        existing->grace_timer->cancel();
        existing->grace_timer.reset();
      }
      existing->status.reconnected();
      if (existing->match)
        send_to_match_peers(*existing->match, *existing, user_status_frame(existing->user_id, "back"));
      break;
    case JoinOutcome::add: {
      Member m;
      m.user_id = req.user_id;
      m.joined_at_ms = now;
      m.join_seq = next_join_seq_++;
      joined = &members_.add(std::move(m));
      break;
    }
  }
  Member& m = *joined;
  m.mailbox = req.mailbox;
  m.display_name = req.display_name;
  m.page_closing = false;
  req.on_attached(shared_from_this(), m.mid);
  m.mailbox->deliver(
      make_frame(welcome_frame(m, outcome != JoinOutcome::add, grant_ice(m), record_, settings_json_, env_.config)));
  mark_status_dirty(StatusDue::now);
  update_idle_timer();
  if (m.status.matchable()) schedule_matching();
}

void LobbyServer::refuse_join(JoinRequest& req, Entry entry, const EntryFacts& facts, std::int64_t now) {
  std::uint16_t code = close_code::policy;
  std::string reason = "lobby full";
  if (entry == Entry::banned) {
    env_.counters.joins_refused_banned++;
    code = close_code::kicked;
    reason = "banned";
  } else if (entry == Entry::lobby_closed) {
    code = close_code::lobby_closed;
    reason = "lobby closed";
  } else if (entry == Entry::locked) {
    reason = "lobby locked";
  }
  req.mailbox->deliver(make_frame(error_frame(to_string(entry), refusal_message(entry, facts, now))));
  req.mailbox->close(code, std::move(reason));
}

void LobbyServer::do_message(Member& m, ClientCommand& command) {
  m.page_closing = false;  // still talking: the page did not go after all (e.g. back from the cache)
  std::visit(
      [&](auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, ReadyCommand>) {
          set_ready(m, cmd.ready);
        } else if constexpr (std::is_same_v<T, SignalCommand>) {
          relay_signal(m, cmd);
        } else if constexpr (std::is_same_v<T, LeaveMatchCommand>) {
          if (!m.match) {
            send(m, error_frame("not_in_match", "you are not in a match"));
            return;
          }
          leave_match(m, MatchEndReason::left, cmd.ready, MatchEndReason::peer_left);
        } else if constexpr (std::is_same_v<T, LeaveCommand>) {
          leave_lobby(m, cmd.page_closing);
        } else if constexpr (std::is_same_v<T, MediaStateCommand>) {
          set_media_state(m, cmd);
        } else if constexpr (std::is_same_v<T, MediaFlowingCommand>) {
          media_flowing(m, cmd);
        } else if constexpr (std::is_same_v<T, BlockCommand>) {
          block(m, cmd);
        } else if constexpr (std::is_same_v<T, ReportCommand>) {
          report(m, cmd);
        } else if constexpr (std::is_same_v<T, CallEventCommand>) {
          // A report about a match we have ended already (it crossed match_ended) is dropped.
          if (!m.match || m.match->id != cmd.match_id) return;
          m.match->call_events.add(cmd.event);
          env_.counters.call_events.add(cmd.event);
        }
      },
      command);
}

void LobbyServer::do_disconnected(const std::shared_ptr<Mailbox>& from, const std::string& user_id) {
  Member* m = members_.find(user_id);
  if (!m || m->mailbox != from) return;  // already replaced or removed
  m->mailbox.reset();
  m->status.disconnected();
  if (m->match) send_to_match_peers(*m->match, *m, user_status_frame(user_id, "reconnecting"));
  // A page that said it was closing gets only the short grace a reload needs. On the timer
  // grid (core/clock.hpp): members leaving close in time share one wake-up.
  m->grace_timer = std::make_unique<asio::steady_timer>(
      strand_, core::coarse_deadline(m->page_closing ? env_.config.page_close_grace : env_.config.resume_grace));
  m->grace_timer->async_wait([self = shared_from_this(), user_id](boost::system::error_code ec) {
    if (ec) return;
    self->guarded([&] { self->on_grace_expired(user_id); });
  });
  mark_status_dirty();
  schedule_matching();  // the waiting reasons of the others
}

void LobbyServer::on_grace_expired(const std::string& user_id) {
  Member* m = members_.find(user_id);
  if (!m || m->mailbox) return;
  remove_member(*m, m->page_closing ? MatchEndReason::peer_left : MatchEndReason::peer_disconnected);
}

void LobbyServer::leave_lobby(Member& m, bool page_closing) {
  if (page_closing) {
    m.page_closing = true;
    return;
  }
  auto mailbox = m.mailbox;
  remove_member(m, MatchEndReason::peer_left);  // `m` is gone from here on
  if (mailbox) mailbox->close(close_code::normal, "bye");
}

void LobbyServer::remove_member(Member& m, MatchEndReason reason_for_others) {
  // The leaver is gone (or being closed): no match_ended for them.
  if (m.match) leave_match(m, MatchEndReason::left, false, reason_for_others, false);
  if (m.grace_timer) m.grace_timer->cancel();
  members_.remove(m, history_);
  mark_status_dirty();
  update_idle_timer();
  schedule_matching();  // the waiting reasons of the others
}

void LobbyServer::update_idle_timer() {
  if (!members_.empty()) {
    idle_timer_.cancel();
    return;
  }
  auto by_setting = std::chrono::milliseconds(static_cast<std::int64_t>(record_.settings.idle_shutdown_seconds) * 1000);
  idle_timer_.expires_at(core::coarse_deadline(std::min(by_setting, env_.config.lobby_idle_shutdown)));
  idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopped_ || !self->members_.empty()) return;
    self->guarded([&] {
      spdlog::info("lobby={} idle: shutting down", self->id_);
      self->stop(std::nullopt, close_code::normal, "lobby stopped");
      self->env_.counters.lobbies_stopped++;
      self->env_.on_stopped(self->id_, self.get());
    });
  });
}

void LobbyServer::send(Member& m, std::string frame) {
  if (m.mailbox) m.mailbox->deliver(make_frame(std::move(frame)));
}

void LobbyServer::send_to_match_peers(const Match& match, const Member& except, std::string frame) {
  Frame shared = make_frame(std::move(frame));
  for (Member* peer : match.members)
    if (peer != &except && peer->mailbox) peer->mailbox->deliver(shared);
}

void LobbyServer::mark_status_dirty(StatusDue when) {
  if (status_pending_) return;
  auto due = last_status_ + status_interval(members_.size());
  const bool due_now = due <= std::chrono::steady_clock::now();
  if (when == StatusDue::now && due_now) {
    // A join: the snapshot goes out in the same write as the welcome (enter() batches them).
    // Bursts stay bounded: the next snapshot waits for the interval, as below.
    broadcast_status();
    return;
  }
  status_pending_ = true;
  if (due_now) {
    // Due already: after the handlers queued now, so one burst of changes makes one snapshot.
    // A post, not a timer at "now": arming the timer costs a timerfd_settime and an extra
    // trip through epoll for every snapshot of a small lobby.
    asio::post(strand_, [self = shared_from_this()] { self->guarded([&] { self->broadcast_status(); }); });
    return;
  }
  // On the timer grid (core/clock.hpp): the snapshots of lobbies whose members come and go at
  // different moments share the io thread's wake-ups instead of costing one each (at 300 joins
  // and leaves a second over 200 lobbies: about 20 a second instead of 190).
  status_timer_.expires_at(core::coarse_deadline(due, std::chrono::steady_clock::duration::zero()));
  status_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    self->guarded([&] { self->broadcast_status(); });
  });
}

void LobbyServer::broadcast_status() {
  status_pending_ = false;
  last_status_ = std::chrono::steady_clock::now();
  StatusCounts counts;
  Frame frame = make_frame(status_frame(id_, record_.status, members_, &counts));
  members_gauge_.publish(static_cast<std::int64_t>(counts.members));
  ready_gauge_.publish(static_cast<std::int64_t>(counts.ready));
  members_.for_each([&](Member& m) {
    if (m.mailbox) m.mailbox->deliver(frame, FrameKind::status);
  });
}

}  // namespace swirl::lobby
