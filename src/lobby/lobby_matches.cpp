// LobbyServer's matches: readiness, the matcher's rounds, a new match, the relay inside a match,
// and every way a match ends (for one member, or for all). The rules are pure and tested alone:
// who may signal whom and whether a group goes on (member_state.hpp), the readiness a member
// leaves with (readiness.hpp), who is grouped with whom (matchmaking.hpp).

#include <spdlog/spdlog.h>

#include "swirl/core/random.hpp"
#include "swirl/lobby/frames.hpp"
#include "swirl/lobby/lobby_server.hpp"
#include "swirl/lobby/owner_stats.hpp"

namespace swirl::lobby {
namespace asio = boost::asio;

// Members who became ready in the same millisecond still queue in the order they did.
void LobbyServer::stamp_ready(Member& m) {
  m.ready_since_ms = now_ms();
  m.ready_order = ++ready_order_;
}

void LobbyServer::set_ready(Member& m, bool ready) {
  if (!m.status.set_ready(ready)) return;
  if (m.status.state() == MemberState::ready) stamp_ready(m);
  mark_status_dirty();
  // Becoming ready may make a match; either way the others' waiting reasons may change.
  schedule_matching();
}

void LobbyServer::relay_signal(Member& from, SignalCommand& signal) {
  // Only to members of your own current match; the answer is the same whether or not the
  // target exists elsewhere, so it reveals nothing.
  Member* target = signal_target(from, signal.to);
  // A blocked pair is never in one match; this names the reason for a client that tries anyway.
  if (auto to = members_.find_id(signal.to); to && is_blocked(history_, from.mid, *to)) {
    send(from, error_frame("blocked", "signals between you and that user are refused (a block)"));
    return;
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

void LobbyServer::finish_match_for(Member& m, const std::string& match_id, MatchEndReason reason, bool requested_ready,
                                   bool tell) {
  m.match = nullptr;
  bool ready = m.status.match_ended(reason, requested_ready);
  if (ready) stamp_ready(m);
  if (tell) send(m, match_ended_frame(match_id, reason, ready));
}

void LobbyServer::leave_match(Member& m, MatchEndReason reason, bool requested_ready, MatchEndReason reason_for_others,
                              bool tell_leaver) {
  Match& match = *m.match;
  std::string match_id = match.id;
  std::erase(match.members, &m);
  finish_match_for(m, match_id, reason, requested_ready, tell_leaver);
  if (group_goes_on(match.members.size())) {
    send_to_match_peers(match, m, user_status_frame(m.user_id, "left_match"));
  } else {
    end_match(match_id, reason_for_others);
  }
  mark_status_dirty();
  schedule_matching();
}

void LobbyServer::end_match(const std::string& match_id, MatchEndReason reason) {
  auto it = matches_.find(match_id);
  if (it == matches_.end()) return;
  Match& match = it->second;
  if (match.round_timer) match.round_timer->cancel();
  if (match.media_timer) match.media_timer->cancel();
  settle_pairs(match, reason);
  for (Member* m : match.members) finish_match_for(*m, match_id, reason, false, true);
  matches_.erase(it);  // after its members let go of it
  storage::HistoryEvent ended;
  ended.kind = storage::HistoryEvent::Kind::match_ended;
  ended.match_id = match_id;
  ended.end_reason = std::string(to_string(reason));
  ended.at_ms = now_ms();
  env_.history.add(std::move(ended));
  mark_status_dirty();
  schedule_matching();
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
  members_.for_each([&](Member& m) {
    if (!m.status.matchable()) {
      tell_waiting(m, WaitingReason::none);  // told again once they wait again
      return;
    }
    // Whom they blocked (or were blocked by) is known before they are matched (lobby_safety.cpp).
    if (m.blocks != BlocksLoad::loaded && !load_blocks(m)) return;
    ready.push_back({m.mid, m.ready_since_ms, m.ready_order});
  });
  bool matched = static_cast<int>(ready.size()) >= record_.settings.group_size;
  if (matched) {
    auto groups = find_matches(ready, history_, match_rules(record_.settings), now_ms());
    for (const auto& g : groups) create_match(g);
  }
  std::vector<MemberId> left;
  for (const auto& c : ready) {
    Member* m = members_.find(c.id);
    if (!m->match)
      left.push_back(c.id);
    else
      tell_waiting(*m, WaitingReason::none);
  }
  // Everyone left waiting hears why (docs/protocol.md, `waiting`).
  for (MemberId id : left)
    tell_waiting(*members_.find(id), waiting_reason(left.size() - 1, record_.settings.group_size));
  // Those left waiting although someone they had met was free: a repeat the rules avoided.
  if (matched) {
    auto avoided = count_repeats_avoided(left, history_);
    repeats_avoided_ += avoided;
    core::metrics().repeats_avoided.inc(avoided);
  }
}

void LobbyServer::tell_waiting(Member& m, WaitingReason reason) {
  if (m.waiting == reason) return;
  // lobby_status counts those who have met everyone (for the owner's "allow repeats").
  if (m.waiting == WaitingReason::met_everyone || reason == WaitingReason::met_everyone) mark_status_dirty();
  m.waiting = reason;
  if (reason != WaitingReason::none) send(m, waiting_frame(reason));
}

void LobbyServer::create_match(const std::vector<MemberId>& group) {
  auto now = now_ms();
  std::string id = core::new_id();
  Match& match = matches_.emplace(id, Match{}).first->second;
  match.id = id;
  match.created_at_ms = now;
  for (MemberId mid : group) {
    Member* m = members_.find(mid);
    m->status.matched();
    m->match = &match;
    match.members.push_back(m);
  }
  bool with_pairs = record_match_pairs(match, group, now);
  if (record_.settings.round_seconds > 0) {
    match.round_timer =
        std::make_unique<asio::steady_timer>(strand_, std::chrono::seconds(record_.settings.round_seconds));
    match.round_timer->async_wait([self = shared_from_this(), id](boost::system::error_code ec) {
      if (ec) return;
      self->guarded([&] { self->end_match(id, MatchEndReason::round_over); });
    });
  }
  for (Member* m : match.members) send(*m, match_frame(match, m->user_id));
  ++matches_made_;
  env_.counters.matches_made++;

  // The history is written behind the match, in batches: a failure is counted and logged by
  // the writer, the match goes on.
  storage::HistoryEvent started;
  started.lobby_id = id_;
  started.match_id = id;
  started.members = match.started_with;
  started.with_pairs = with_pairs;
  started.at_ms = now;
  env_.history.add(std::move(started));
  mark_status_dirty();
}

}  // namespace swirl::lobby
