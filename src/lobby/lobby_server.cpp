#include "swirl/lobby/lobby_server.hpp"

#include <algorithm>

#include <boost/asio/bind_executor.hpp>
#include <spdlog/spdlog.h>

#include "swirl/core/clock.hpp"
#include "swirl/core/iso8601.hpp"
#include "swirl/core/random.hpp"
#include "swirl/json/out.hpp"
#include "swirl/lobby/ban_message.hpp"

namespace swirl::lobby {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::size_t kStatusMaxListed = 200;                      // members listed in one lobby_status

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

LobbyServer::LobbyServer(asio::any_io_executor executor, LobbyEnvironment& env, storage::LobbyRecord record,
                         const std::vector<storage::PairRecord>& history, const Bans& bans)
    : strand_(asio::make_strand(static_cast<asio::io_context&>(asio::query(executor, asio::execution::context)))),
      env_(env),
      id_(record.id),
      record_(std::move(record)),
      status_timer_(strand_),
      idle_timer_(strand_),
      heartbeat_timer_(strand_) {
  for (const auto& p : history) history_.record(member_id_for(p.user_a), member_id_for(p.user_b), p.last_met_at_ms);
  for (const auto& [user, until] : bans) bans_[user] = until;
  settings_json_ = dump(record_.settings.to_json());
}

LobbyServer::~LobbyServer() = default;

std::int64_t LobbyServer::now_ms() const { return core::now_ms(); }

MemberId LobbyServer::member_id_for(const std::string& user_id) {
  auto next = free_mids_.empty() ? static_cast<MemberId>(member_users_.size()) : free_mids_.back();
  auto [it, inserted] = member_ids_.try_emplace(user_id, next);
  if (inserted) {
    if (next == member_users_.size()) {
      member_users_.push_back(user_id);
    } else {
      free_mids_.pop_back();
      member_users_[next] = user_id;
    }
  }
  return it->second;
}

void LobbyServer::erase_member(std::unordered_map<std::string, Member>::iterator it) {
  Member& m = it->second;
  if (m.grace_timer) m.grace_timer->cancel();
  MemberId mid = m.mid;
  member_nodes_[mid] = nullptr;
  members_.erase(it);
  release_id_if_unmet(mid);
  mark_status_dirty();
  update_idle_timer();
  schedule_matching();  // the waiting reasons of the others
}

void LobbyServer::release_id_if_unmet(MemberId mid) {
  // Someone who met nobody here leaves nothing for the matcher to remember: their dense id goes
  // back for reuse, so a lobby that runs for weeks keeps only the users with match history (which
  // is what a fresh actor would load from the database), not everyone who ever looked in.
  if (mid >= member_nodes_.size() || member_nodes_[mid] || member_users_[mid].empty()) return;
  if (history_.partners(mid) == 0) {
    history_.forget(mid);
    member_ids_.erase(member_users_[mid]);
    std::string().swap(member_users_[mid]);
    free_mids_.push_back(mid);
  }
}

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
      // members map does not change under this loop.
      for (auto& [uid, m] : self->members_)
        if (m.mailbox) m.mailbox->heartbeat(now);
      self->renew_ice_servers();
      self->schedule_heartbeat();
    });
  });
}

void LobbyServer::join(JoinRequest request) {
  asio::post(strand_, [self = shared_from_this(), request = std::move(request)]() mutable {
    if (self->stopped_) {
      // Stopped between the supervisor's lookup and now: let the supervisor place it again.
      self->env_.on_bounced_join(std::move(request));
      return;
    }
    self->guarded([&] { self->do_join(request); });
  });
}

void LobbyServer::handle_message(const std::shared_ptr<Mailbox>& from, MemberId mid, ClientCommand& command) {
  guarded([&] {
    Member* m = mid < member_nodes_.size() ? member_nodes_[mid] : nullptr;
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
  for (auto& [uid, m] : members_) {
    if (m.grace_timer) m.grace_timer->cancel();
    if (!m.mailbox) continue;
    if (frame) m.mailbox->deliver(*frame);
    m.mailbox->close(code, reason);
  }
  for (auto& [mid, match] : matches_)
    if (match.round_timer) match.round_timer->cancel();
  for (auto& [mid, match] : matches_)
    if (match.media_timer) match.media_timer->cancel();
  status_timer_.cancel();
  idle_timer_.cancel();
  heartbeat_timer_.cancel();
  // Release the memory now; the object itself goes when the last handler lets go of it.
  members_.clear();
  members_gauge_.publish(0);
  ready_gauge_.publish(0);
  matches_.clear();
  history_ = MatchHistory{};
  member_ids_.clear();
  member_users_.clear();
  member_nodes_.clear();
}

void LobbyServer::do_join(JoinRequest& req) {
  auto now = now_ms();
  // Admission checked the ban before the upgrade; a ban stored since then still applies.
  if (auto until = banned_until(req.user_id)) {
    env_.counters.joins_refused_banned++;
    req.mailbox->deliver(make_frame(error_frame("banned", banned_message(*until, now))));
    req.mailbox->close(close_code::kicked, "banned");
    return;
  }
  auto it = members_.find(req.user_id);
  bool resumed = false;
  if (it != members_.end()) {
    // The same user again: a resume after a drop, or a second tab taking over.
    Member& m = it->second;
    resumed = true;
    core::metrics().resumes.inc();
    if (m.mailbox) m.mailbox->close(close_code::replaced, "replaced by a new connection");
    bool was_away = !m.mailbox;
    if (m.grace_timer) {
      m.grace_timer->cancel();
      m.grace_timer.reset();
    }
    m.mailbox = req.mailbox;
    m.display_name = req.display_name;
    m.page_closing = false;
    if (was_away && m.match)
      send_to_match_peers(*m.match, m.user_id,
                          dump(json{{"type", "user_status"}, {"user_id", m.user_id}, {"status", "back"}}));
  } else {
    if (static_cast<int>(members_.size()) >= record_.settings.max_members) {
      req.mailbox->deliver(make_frame(error_frame("lobby_full", "the lobby is full")));
      req.mailbox->close(close_code::policy, "lobby full");
      return;
    }
    Member m;
    m.user_id = req.user_id;
    m.display_name = req.display_name;
    m.mid = member_id_for(req.user_id);
    m.mailbox = req.mailbox;
    m.joined_at_ms = now;
    m.join_seq = next_join_seq_++;
    it = members_.emplace(req.user_id, std::move(m)).first;
    if (member_nodes_.size() <= it->second.mid) member_nodes_.resize(it->second.mid + 1, nullptr);
    member_nodes_[it->second.mid] = &it->second;
  }
  Member& m = it->second;
  req.on_attached(shared_from_this(), m.mid);
  m.mailbox->deliver(make_frame(welcome_frame(m, resumed, grant_ice(m))));
  mark_status_dirty();
  update_idle_timer();
  if (m.ready && m.match_id.empty()) schedule_matching();
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
          if (m.match_id.empty()) {
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
        } else if constexpr (std::is_same_v<T, CallEventCommand>) {
          // A report about a match we have ended already (it crossed match_ended) is dropped.
          if (!m.match || m.match_id != cmd.match_id) return;
          m.match->call_events.add(cmd.event);
          env_.counters.call_events.add(cmd.event);
        }
      },
      command);
}

// Members who became ready in the same millisecond still queue in the order they did.
void LobbyServer::stamp_ready(Member& m) {
  m.ready_since_ms = now_ms();
  m.ready_order = ++ready_order_;
}

void LobbyServer::set_ready(Member& m, bool ready) {
  if (m.ready == ready) return;
  m.ready = ready;
  if (ready) stamp_ready(m);
  mark_status_dirty();
  // Becoming ready may make a match; either way the others' waiting reasons may change.
  schedule_matching();
}

void LobbyServer::relay_signal(Member& from, SignalCommand& signal) {
  // Only to members of your own current match; the answer is the same whether or not the
  // target exists elsewhere, so it reveals nothing.
  Member* target = nullptr;
  if (from.match && signal.to != from.user_id) {
    const Match& match = *from.match;
    for (std::size_t i = 0; i < match.members.size(); ++i)
      if (match.members[i] == signal.to) {
        target = match.nodes[i];
        break;
      }
  }
  if (!target) {
    send(from, error_frame("not_in_match", "you can only signal members of your current match"));
    return;
  }
  if (!target->mailbox) {
    send(from, error_frame("peer_unavailable", "that peer is reconnecting; the message was not delivered"));
    return;
  }
  target->mailbox->deliver(std::move(signal.frame));
  env_.counters.signals_relayed++;
}

void LobbyServer::leave_match(Member& m, MatchEndReason reason, bool requested_ready, MatchEndReason reason_for_others) {
  Match* match = m.match;
  std::string match_id = m.match_id;
  m.match_id.clear();
  m.match = nullptr;
  bool ready = ready_after_match_end(reason, requested_ready, m.ready);
  m.ready = ready;
  if (ready) stamp_ready(m);
  if (m.mailbox)
    send(m, dump(json{{"type", "match_ended"}, {"match_id", match_id}, {"reason", to_string(reason)}, {"ready", ready}}));
  if (match) {
    for (std::size_t i = 0; i < match->members.size(); ++i)
      if (match->members[i] == m.user_id) {
        match->members.erase(match->members.begin() + static_cast<std::ptrdiff_t>(i));
        match->nodes.erase(match->nodes.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    if (match->members.size() >= 2) {
      send_to_match_peers(*match, m.user_id,
                          dump(json{{"type", "user_status"}, {"user_id", m.user_id}, {"status", "left_match"}}));
    } else {
      end_match(match_id, reason_for_others);
    }
  }
  mark_status_dirty();
  schedule_matching();
}

void LobbyServer::end_match(const std::string& match_id, MatchEndReason reason) {
  auto mit = matches_.find(match_id);
  if (mit == matches_.end()) return;
  Match match = std::move(mit->second);
  matches_.erase(mit);
  if (match.round_timer) match.round_timer->cancel();
  if (match.media_timer) match.media_timer->cancel();
  settle_pairs(match, reason);
  for (const auto& uid : match.members) {
    auto it = members_.find(uid);
    if (it == members_.end()) continue;
    Member& m = it->second;
    m.match_id.clear();
    m.match = nullptr;
    m.ready = ready_after_match_end(reason, false, m.ready);
    if (m.ready) stamp_ready(m);
    if (m.mailbox)
      send(m, dump(json{{"type", "match_ended"}, {"match_id", match_id}, {"reason", to_string(reason)}, {"ready", m.ready}}));
  }
  storage::HistoryEvent ended;
  ended.kind = storage::HistoryEvent::Kind::match_ended;
  ended.match_id = match_id;
  ended.end_reason = std::string(to_string(reason));
  ended.at_ms = now_ms();
  env_.history.add(std::move(ended));
  mark_status_dirty();
  schedule_matching();
}

void LobbyServer::do_disconnected(const std::shared_ptr<Mailbox>& from, const std::string& user_id) {
  auto it = members_.find(user_id);
  if (it == members_.end() || it->second.mailbox != from) return;  // already replaced or removed
  Member& m = it->second;
  m.mailbox.reset();
  if (m.match)
    send_to_match_peers(*m.match, user_id,
                        dump(json{{"type", "user_status"}, {"user_id", user_id}, {"status", "reconnecting"}}));
  // A page that said it was closing gets only the short grace a reload needs.
  m.grace_timer = std::make_unique<asio::steady_timer>(
      strand_, m.page_closing ? env_.config.page_close_grace : env_.config.resume_grace);
  m.grace_timer->async_wait([self = shared_from_this(), user_id](boost::system::error_code ec) {
    if (ec) return;
    self->guarded([&] { self->on_grace_expired(user_id); });
  });
  mark_status_dirty();
  schedule_matching();  // the waiting reasons of the others
}

void LobbyServer::on_grace_expired(const std::string& user_id) {
  auto it = members_.find(user_id);
  if (it == members_.end() || it->second.mailbox) return;
  remove_member(user_id, it->second.page_closing ? MatchEndReason::peer_left : MatchEndReason::peer_disconnected);
}

void LobbyServer::leave_lobby(Member& m, bool page_closing) {
  if (page_closing) {
    m.page_closing = true;
    return;
  }
  auto mailbox = m.mailbox;
  std::string user_id = m.user_id;
  remove_member(user_id, MatchEndReason::peer_left);  // `m` is gone from here on
  if (mailbox) mailbox->close(close_code::normal, "bye");
}

void LobbyServer::tell_waiting(Member& m, WaitingReason reason) {
  if (m.waiting == reason) return;
  // lobby_status counts those who have met everyone (for the owner's "allow repeats").
  if (m.waiting == WaitingReason::met_everyone || reason == WaitingReason::met_everyone) mark_status_dirty();
  m.waiting = reason;
  if (reason != WaitingReason::none)
    send(m, dump(json{{"type", "waiting"}, {"reason", to_string(reason)}}));
}

void LobbyServer::remove_member(const std::string& user_id, MatchEndReason reason_for_others) {
  auto it = members_.find(user_id);
  if (it == members_.end()) return;
  Member& m = it->second;
  if (!m.match_id.empty()) {
    auto mailbox = std::move(m.mailbox);  // the leaver is gone: no match_ended for them
    leave_match(m, MatchEndReason::left, false, reason_for_others);
    m.mailbox = std::move(mailbox);
  }
  erase_member(it);
}

void LobbyServer::update_idle_timer() {
  if (!members_.empty()) {
    idle_timer_.cancel();
    return;
  }
  auto by_setting = std::chrono::milliseconds(static_cast<std::int64_t>(record_.settings.idle_shutdown_seconds) * 1000);
  idle_timer_.expires_after(std::min(by_setting, env_.config.lobby_idle_shutdown));
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

void LobbyServer::schedule_matching() {
  if (matching_scheduled_) return;
  matching_scheduled_ = true;
  asio::post(strand_, [self = shared_from_this()] {
    self->matching_scheduled_ = false;
    self->guarded([&] { self->run_matching(); });
  });
}

void LobbyServer::run_matching() {
  std::vector<Candidate> ready;
  for (auto& [uid, m] : members_) {
    if (m.ready && m.mailbox && m.match_id.empty()) ready.push_back({m.mid, m.ready_since_ms, m.ready_order});
    else tell_waiting(m, WaitingReason::none);  // told again once they wait again
  }
  bool matched = static_cast<int>(ready.size()) >= record_.settings.group_size;
  if (matched) {
    auto groups = find_matches(ready, history_, match_rules(record_.settings), now_ms());
    for (const auto& g : groups) create_match(g);
  }
  std::vector<MemberId> left;
  for (const auto& c : ready) {
    Member* m = member_nodes_[c.id];
    if (m->match_id.empty()) left.push_back(c.id);
    else tell_waiting(*m, WaitingReason::none);
  }
  // Everyone left waiting hears why (docs/protocol.md, `waiting`).
  for (MemberId id : left) tell_waiting(*member_nodes_[id], waiting_reason(left.size() - 1, record_.settings.group_size));
  // Those left waiting although someone they had met was free: a repeat the rules avoided.
  constexpr std::size_t kRepeatCheckLimit = 64;
  if (matched && left.size() <= kRepeatCheckLimit)
    for (MemberId a : left)
      for (MemberId b : left)
        if (a != b && history_.met(a, b)) {
          ++repeats_avoided_;
          core::metrics().repeats_avoided.inc();
          break;
        }
}

void LobbyServer::apply_settings(const storage::LobbySettings& settings) {
  record_.settings = settings;
  settings_json_ = dump(record_.settings.to_json());
  mark_status_dirty();
  schedule_matching();
}

void LobbyServer::set_status(storage::LobbyStatus status) {
  record_.status = status;
  mark_status_dirty();
}

bool LobbyServer::kick(const std::string& user_id, int ban_seconds) {
  auto it = members_.find(user_id);
  if (it == members_.end()) return false;
  Member& m = it->second;
  if (!m.match_id.empty()) leave_match(m, MatchEndReason::kicked, false, MatchEndReason::peer_left);
  if (m.mailbox) {
    json kicked = {{"type", "kicked"}, {"reason", "removed by the owner"}};
    if (ban_seconds > 0) kicked["ban_seconds"] = ban_seconds;
    send(m, dump(kicked));
    m.mailbox->close(close_code::kicked, "kicked");
  }
  erase_member(it);
  return true;
}

std::optional<std::int64_t> LobbyServer::banned_until(const std::string& user_id) const {
  auto it = bans_.find(user_id);
  if (it == bans_.end() || it->second <= now_ms()) return std::nullopt;
  return it->second;
}

void LobbyServer::record_ban(const std::string& user_id, std::int64_t until_ms) {
  auto now = now_ms();
  std::erase_if(bans_, [now](const auto& b) { return b.second <= now; });  // ended bans go when a new one comes
  if (until_ms > now) bans_[user_id] = until_ms;
  else bans_.erase(user_id);
}

bool LobbyServer::end_match_by_owner(const std::string& match_id) {
  if (!matches_.count(match_id)) return false;
  end_match(match_id, MatchEndReason::owner_ended);
  return true;
}

std::size_t LobbyServer::announce(const std::string& message) {
  Frame frame = make_frame(dump(json{{"type", "announcement"}, {"message", message}, {"at", core::iso8601(now_ms())}}));
  std::size_t n = 0;
  for (auto& [uid, m] : members_)
    if (m.mailbox) {
      m.mailbox->deliver(frame);
      ++n;
    }
  return n;
}

void LobbyServer::close_for_good() {
  record_.status = storage::LobbyStatus::closed;
  stop(make_frame(dump(json{{"type", "lobby_closed"}, {"message", "The owner closed this lobby."}})), close_code::lobby_closed,
       "lobby closed");
  env_.counters.lobbies_stopped++;
  env_.on_stopped(id_, this);
}

void LobbyServer::create_match(const std::vector<MemberId>& group) {
  auto now = now_ms();
  Match match;
  match.id = core::new_id();
  match.created_at_ms = now;
  for (MemberId mid : group) {
    match.members.push_back(member_users_.at(mid));
    match.nodes.push_back(member_nodes_.at(mid));
  }
  bool with_pairs = record_match_pairs(match, group, now);
  for (const auto& uid : match.members) members_.at(uid).match_id = match.id;
  if (record_.settings.round_seconds > 0) {
    match.round_timer = std::make_unique<asio::steady_timer>(strand_, std::chrono::seconds(record_.settings.round_seconds));
    match.round_timer->async_wait([self = shared_from_this(), id = match.id](boost::system::error_code ec) {
      if (ec) return;
      self->guarded([&] { self->end_match(id, MatchEndReason::round_over); });
    });
  }
  for (const auto& uid : match.members) send(members_.at(uid), match_frame(match, uid));
  ++matches_made_;
  env_.counters.matches_made++;

  // The history is written behind the match, in batches: a failure is counted and logged by
  // the writer, the match goes on.
  storage::HistoryEvent started;
  started.lobby_id = id_;
  started.match_id = match.id;
  started.members = match.members;
  started.with_pairs = with_pairs;
  started.at_ms = now;
  env_.history.add(std::move(started));
  std::string id = match.id;
  auto& stored = matches_.emplace(id, std::move(match)).first->second;
  for (Member* m : stored.nodes) m->match = &stored;
  mark_status_dirty();
}

void LobbyServer::send(Member& m, std::string frame) {
  if (m.mailbox) m.mailbox->deliver(make_frame(std::move(frame)));
}

void LobbyServer::send_to_match_peers(const Match& match, const std::string& except_user, const std::string& frame) {
  Frame shared = make_frame(frame);
  for (std::size_t i = 0; i < match.members.size(); ++i)
    if (match.members[i] != except_user && match.nodes[i]->mailbox) match.nodes[i]->mailbox->deliver(shared);
}

void LobbyServer::mark_status_dirty() {
  if (status_pending_) return;
  status_pending_ = true;
  auto due = last_status_ + status_interval(members_.size());
  if (due <= std::chrono::steady_clock::now()) {
    // Due already: after the handlers queued now, so one burst of changes makes one snapshot.
    // A post, not a timer at "now": arming the timer costs a timerfd_settime and an extra
    // trip through epoll for every snapshot of a small lobby.
    asio::post(strand_, [self = shared_from_this()] { self->guarded([&] { self->broadcast_status(); }); });
    return;
  }
  status_timer_.expires_at(due);
  status_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    self->guarded([&] { self->broadcast_status(); });
  });
}

void LobbyServer::broadcast_status() {
  status_pending_ = false;
  last_status_ = std::chrono::steady_clock::now();
  Frame frame = make_frame(status_frame());
  for (auto& [uid, m] : members_)
    if (m.mailbox) m.mailbox->deliver(frame, FrameKind::status);
}

std::string LobbyServer::status_frame() const {
  std::vector<const Member*> listed;
  listed.reserve(members_.size());
  std::size_t ready = 0;
  std::size_t met_everyone = 0;
  for (const auto& [uid, m] : members_) {
    listed.push_back(&m);
    if (m.ready && m.match_id.empty()) ++ready;
    if (m.waiting == WaitingReason::met_everyone) ++met_everyone;
  }
  members_gauge_.publish(static_cast<std::int64_t>(members_.size()));
  ready_gauge_.publish(static_cast<std::int64_t>(ready));
  auto by_seq = [](const Member* a, const Member* b) { return a->join_seq < b->join_seq; };
  bool truncated = listed.size() > kStatusMaxListed;
  if (truncated) {
    std::partial_sort(listed.begin(), listed.begin() + kStatusMaxListed, listed.end(), by_seq);
    listed.resize(kStatusMaxListed);
  } else {
    std::sort(listed.begin(), listed.end(), by_seq);
  }
  swirl::json::JsonOut j(160 + 96 * listed.size());
  j.begin_object()
      .key("type").value("lobby_status")
      .key("lobby_id").value(id_)
      .key("status").value(to_string(record_.status))
      .key("member_count").value(static_cast<std::uint64_t>(members_.size()))
      .key("ready_count").value(static_cast<std::uint64_t>(ready))
      .key("waiting_met_everyone").value(static_cast<std::uint64_t>(met_everyone))
      .key("truncated").value(truncated)
      .key("members").begin_array();
  for (const Member* m : listed)
    j.begin_object()
        .key("id").value(m->user_id)
        .key("display_name").value(m->display_name)
        .key("ready").value(m->ready)
        .key("in_match").value(!m->match_id.empty())
        .key("connected").value(m->mailbox != nullptr)
        .end_object();
  j.end_array().end_object();
  return j.take();
}

std::string LobbyServer::welcome_frame(const Member& m, bool resumed, const ice::IceGrant& ice) const {
  const auto& c = env_.config;
  swirl::json::JsonOut j(640 + settings_json_.size());
  j.begin_object()
      .key("type").value("welcome")
      .key("protocol").value(1)
      .key("user").begin_object().key("id").value(m.user_id).key("display_name").value(m.display_name).end_object()
      .key("lobby").begin_object()
      .key("id").value(id_)
      .key("name").value(record_.name)
      .key("owner_id").value(record_.owner_id)
      .key("status").value(to_string(record_.status))
      .key("settings").raw(settings_json_)
      .end_object()
      .key("ice_servers").raw(ice::servers_json(ice.servers))
      .key("ice_expires_at");
  if (ice.expires_at_ms) {
    j.value(core::iso8601(*ice.expires_at_ms));
  } else {
    j.null();
  }
  j.key("resumed").value(resumed)
      .key("you").begin_object().key("ready").value(m.ready).key("match");
  if (m.match) {
    write_match(j, *m.match, m.user_id);
  } else {
    j.null();
  }
  j.end_object()
      .key("limits").begin_object()
      .key("max_message_bytes").value(static_cast<std::uint64_t>(c.ws_max_frame_bytes))
      .key("messages_per_second").value(c.ws_rate_per_second)
      .key("burst").value(c.ws_rate_burst)
      .key("resume_grace_seconds")
      .value(static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(c.resume_grace).count()))
      .key("no_media_seconds").value(static_cast<std::int64_t>((c.no_media_timeout.count() + 999) / 1000))
      .key("hidden_unready_seconds").value(static_cast<std::int64_t>((c.hidden_unready.count() + 999) / 1000))
      .end_object()
      .end_object();
  return j.take();
}

void LobbyServer::write_match(swirl::json::JsonOut& j, const Match& match, const std::string& for_user) const {
  auto pos = std::find(match.members.begin(), match.members.end(), for_user) - match.members.begin();
  j.begin_object()
      .key("type").value("match")
      .key("match_id").value(match.id)
      .key("created_at").value(core::iso8601(match.created_at_ms))
      .key("peers").begin_array();
  for (std::size_t k = 0; k < match.members.size(); ++k) {
    if (static_cast<std::ptrdiff_t>(k) == pos) continue;
    const auto& uid = match.members[k];
    const Member* peer = match.nodes[k];
    bool me_first = pos < static_cast<std::ptrdiff_t>(k);
    j.begin_object()
        .key("id").value(uid)
        .key("display_name").value(peer ? std::string_view(peer->display_name) : std::string_view())
        .key("offerer").value(me_first ? for_user : uid)
        .key("polite").value(me_first ? uid : for_user)
        .key("camera").value(peer ? peer->media.camera : true)
        .key("microphone").value(peer ? peer->media.microphone : true)
        .end_object();
  }
  j.end_array().end_object();
}

std::string LobbyServer::match_frame(const Match& match, const std::string& for_user) const {
  swirl::json::JsonOut j(320);
  write_match(j, match, for_user);
  return j.take();
}

json LobbyServer::state_json() const {
  auto now = now_ms();
  json members = json::array();
  for (const auto& [uid, m] : members_)
    members.push_back({{"id", uid}, {"display_name", m.display_name}, {"ready", m.ready},
                       {"connection", m.mailbox ? "connected" : "reconnecting"}, {"match_id", m.match_id.empty() ? json() : json(m.match_id)},
                       {"waiting_seconds", m.ready && m.match_id.empty() ? (now - m.ready_since_ms) / 1000.0 : 0.0},
                       {"joined_at", core::iso8601(m.joined_at_ms)}});
  json matches = json::array();
  for (const auto& [mid, match] : matches_) {
    json people = json::array();
    for (const auto& uid : match.members) {
      auto it = members_.find(uid);
      people.push_back({{"id", uid}, {"display_name", it == members_.end() ? "" : it->second.display_name}});
    }
    matches.push_back({{"id", mid}, {"match_id", mid}, {"members", people}, {"age_seconds", (now - match.created_at_ms) / 1000.0},
                       {"call_events", match.call_events.to_json()}});
  }
  json counters = {{"matches_made", matches_made_},
                   {"repeats_avoided", repeats_avoided_},
                   {"pairs_met", history_.pair_count()},
                   {"users_remembered", member_ids_.size()}};
  return json{{"members", members}, {"matches", matches}, {"counters", counters}};
}

}  // namespace swirl::lobby
