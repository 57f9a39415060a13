// The lobby's part in peer media (issue 13): relaying media_state within a match, media_flowing,
// and the activity monitor's no-media rule. The rules themselves are pure (media_rules.hpp); this
// file wires them to the actor's members, timers and history. See docs/architecture.md
// ("Matches where media never flowed") for why a no_media pair is not remembered.

#include <algorithm>

#include <spdlog/spdlog.h>

#include "swirl/lobby/frames.hpp"
#include "swirl/lobby/lobby_server.hpp"

namespace swirl::lobby {
namespace asio = boost::asio;

void LobbyServer::set_media_state(Member& m, const MediaStateCommand& cmd) {
  // Kept when not in a match too: the next match's peers read it from match.peers.
  m.media = MediaState{cmd.camera, cmd.microphone};
  if (m.match) send_to_match_peers(*m.match, m, media_state_frame(m.user_id, m.media));
}

void LobbyServer::media_flowing(Member& m, const MediaFlowingCommand& cmd) {
  // A report for a match that already ended (or never was the sender's) is stale: ignored.
  if (!m.match || m.match->id != cmd.match_id) return;
  Match& match = *m.match;
  if (match.media.flowing) return;
  match.media.flowing = true;
  if (match.media_timer) match.media_timer->cancel();
  confirm_pairs(match);
}

bool LobbyServer::record_match_pairs(Match& match, const std::vector<MemberId>& group, std::int64_t now) {
  for (const Member* m : match.members) match.started_with.push_back(m->user_id);
  for (std::size_t i = 0; i < group.size(); ++i)
    for (std::size_t j = i + 1; j < group.size(); ++j) {
      match.media.pairs.push_back({group[i], group[j], history_.last_met(group[i], group[j])});
      history_.record(group[i], group[j], now);
    }
  auto timeout = env_.config.no_media_timeout;
  if (timeout.count() <= 0) {
    match.media.pairs_confirmed = true;  // the rule is off: pairs are written with the match
    return true;
  }
  arm_no_media_check(match, timeout);
  return false;
}

void LobbyServer::arm_no_media_check(Match& match, std::chrono::milliseconds after) {
  if (!match.media_timer) match.media_timer = std::make_unique<asio::steady_timer>(strand_);
  match.media_timer->expires_after(after);
  match.media_timer->async_wait([self = shared_from_this(), id = match.id](boost::system::error_code ec) {
    if (ec) return;
    self->guarded([&] { self->on_no_media_check(id); });
  });
}

void LobbyServer::confirm_pairs(Match& match) {
  if (match.media.pairs_confirmed) return;
  match.media.pairs_confirmed = true;
  storage::HistoryEvent met;
  met.kind = storage::HistoryEvent::Kind::pairs_met;
  met.lobby_id = id_;
  met.match_id = match.id;
  met.members = match.started_with;
  met.at_ms = match.created_at_ms;  // the same time the matcher's history holds
  env_.history.add(std::move(met));
}

void LobbyServer::settle_pairs(Match& match, MatchEndReason reason) {
  if (reason != MatchEndReason::no_media) {
    confirm_pairs(match);
    return;
  }
  // Nothing was written for these pairs; the matcher's memory goes back to before the match.
  forget_pairs(history_, match.media.pairs);
  for (const auto& p : match.media.pairs) {
    members_.release_if_unmet(p.a, history_);
    members_.release_if_unmet(p.b, history_);
  }
}

void LobbyServer::on_no_media_check(const std::string& match_id) {
  auto it = matches_.find(match_id);
  if (it == matches_.end()) return;
  Match& match = it->second;
  if (match.media.flowing) return;
  auto now = now_ms();
  auto timeout = env_.config.no_media_timeout;
  if (!ends_for_no_media(match.media, match.created_at_ms, now, timeout)) {
    // The steady timer and the wall clock the match was stamped with can disagree by a little.
    auto left = timeout - std::chrono::milliseconds(now - match.created_at_ms);
    arm_no_media_check(match, std::max(left, std::chrono::milliseconds(1)));
    return;
  }
  spdlog::info("lobby={} match={} ended, no media within {} ms", id_, match_id, env_.config.no_media_timeout.count());
  end_match(match_id, MatchEndReason::no_media);
}

}  // namespace swirl::lobby
