// The lobby actor's rules, without sockets: the member state machine (lobby/member_state.hpp),
// who may enter (lobby/admission.hpp), what a join does, who may signal whom, when a group goes on, member id reuse
// (lobby/members.hpp), the owner's repeats-avoided statistic (lobby/owner_stats.hpp) and the grid
// its grace and idle timers expire on (core/clock.hpp).
#include <catch2/catch.hpp>

#include <stdexcept>

#include "swirl/core/clock.hpp"
#include "swirl/lobby/admission.hpp"
#include "swirl/lobby/member.hpp"
#include "swirl/lobby/member_state.hpp"
#include "swirl/lobby/members.hpp"
#include "swirl/lobby/owner_stats.hpp"

using namespace swirl::lobby;

TEST_CASE("member state machine: idle, ready, in a match, and back", "[lobby][rules]") {
  MemberStatus s;
  CHECK(s.state() == MemberState::idle);
  CHECK_FALSE(s.ready());
  CHECK_FALSE(s.matchable());
  CHECK_THROWS_AS(s.matched(), std::logic_error);  // the matcher never picks an idle member

  CHECK(s.set_ready(true));
  CHECK_FALSE(s.set_ready(true));  // no change, nothing to tell
  CHECK(s.state() == MemberState::ready);
  CHECK(s.matchable());
  CHECK(s.set_ready(false));
  CHECK(s.state() == MemberState::idle);
  CHECK(s.set_ready(true));

  s.matched();
  CHECK(s.state() == MemberState::in_match);
  CHECK(s.in_match());
  CHECK(s.ready());            // matched from READY: shown ready in lobby_status
  CHECK_FALSE(s.matchable());  // but not picked again
  CHECK_THROWS_AS(s.matched(), std::logic_error);

  // ready:false during a match changes what is shown, not the match.
  CHECK(s.set_ready(false));
  CHECK(s.state() == MemberState::in_match);
  CHECK_FALSE(s.ready());
  CHECK(s.set_ready(true));
  CHECK(s.ready());
}

TEST_CASE("member state machine: how a match ends decides READY or IDLE", "[lobby][rules]") {
  auto ended = [](MatchEndReason reason, bool requested) {
    MemberStatus s;
    s.set_ready(true);
    s.matched();
    bool ready = s.match_ended(reason, requested);
    CHECK(s.state() == (ready ? MemberState::ready : MemberState::idle));
    CHECK(s.ready() == ready);
    return ready;
  };
  CHECK(ended(MatchEndReason::left, true));
  CHECK_FALSE(ended(MatchEndReason::left, false));
  CHECK_FALSE(ended(MatchEndReason::kicked, true));
  for (auto r : {MatchEndReason::peer_left, MatchEndReason::peer_disconnected, MatchEndReason::round_over,
                 MatchEndReason::owner_ended, MatchEndReason::no_media})
    CHECK(ended(r, false));

  MemberStatus idle;
  CHECK_THROWS_AS(idle.match_ended(MatchEndReason::left, false), std::logic_error);
}

TEST_CASE("member state machine: ready:false during a match is kept when the match ends", "[lobby][rules]") {
  // "This is my last one": a member who said ready:false in the match goes back to IDLE however
  // the match ends, unless they leave it themselves asking for ready:true.
  auto ended_after_unready = [](MatchEndReason reason, bool requested) {
    MemberStatus s;
    s.set_ready(true);
    s.matched();
    s.set_ready(false);
    bool ready = s.match_ended(reason, requested);
    CHECK(s.state() == (ready ? MemberState::ready : MemberState::idle));
    return ready;
  };
  for (auto r : {MatchEndReason::peer_left, MatchEndReason::peer_disconnected, MatchEndReason::round_over,
                 MatchEndReason::owner_ended, MatchEndReason::no_media, MatchEndReason::kicked})
    CHECK_FALSE(ended_after_unready(r, false));
  CHECK(ended_after_unready(MatchEndReason::left, true));
  CHECK_FALSE(ended_after_unready(MatchEndReason::left, false));
}

TEST_CASE("member state machine: a drop keeps the state and stops matching", "[lobby][rules]") {
  MemberStatus s;
  s.set_ready(true);
  s.disconnected();
  CHECK_FALSE(s.connected());
  CHECK(s.state() == MemberState::ready);
  CHECK(s.ready());
  CHECK_FALSE(s.matchable());  // a member in DISCONNECTED is not matched
  s.reconnected();
  CHECK(s.matchable());

  s.matched();
  s.disconnected();
  CHECK(s.in_match());  // the match waits for them through the grace period
  s.reconnected();
  CHECK(s.in_match());
}

TEST_CASE("an admitted join adds, resumes or replaces", "[lobby][rules]") {
  CHECK(join_outcome(Presence::absent) == JoinOutcome::add);
  CHECK(join_outcome(Presence::disconnected) == JoinOutcome::resume);
  CHECK(join_outcome(Presence::connected) == JoinOutcome::replace);
}

TEST_CASE("admission: closed, then banned, then locked, then full - a member is never locked or crowded out",
          "[lobby][rules][admission]") {
  using swirl::storage::LobbyStatus;
  const std::int64_t now = 1'000'000;
  auto facts = [](LobbyStatus status, std::optional<std::int64_t> banned_until, bool member, std::size_t members) {
    return EntryFacts{status, banned_until, member, members, 2};
  };
  CHECK(entry_for(facts(LobbyStatus::open, {}, false, 0), now) == Entry::allowed);
  CHECK(entry_for(facts(LobbyStatus::open, {}, false, 1), now) == Entry::allowed);
  CHECK(entry_for(facts(LobbyStatus::open, {}, false, 2), now) == Entry::full);
  CHECK(entry_for(facts(LobbyStatus::open, {}, false, 3), now) == Entry::full);  // settings lowered below the count
  CHECK(entry_for(facts(LobbyStatus::locked, {}, false, 0), now) == Entry::locked);
  CHECK(entry_for(facts(LobbyStatus::locked, {}, false, 2), now) == Entry::locked);
  CHECK(entry_for(facts(LobbyStatus::closed, now + 5000, true, 9), now) == Entry::lobby_closed);
  // A member coming back (a resume, a second tab) passes a lock and a full lobby, not a ban.
  CHECK(entry_for(facts(LobbyStatus::locked, {}, true, 2), now) == Entry::allowed);
  CHECK(entry_for(facts(LobbyStatus::open, {}, true, 5), now) == Entry::allowed);
  CHECK(entry_for(facts(LobbyStatus::open, now + 1, true, 0), now) == Entry::banned);
  CHECK(entry_for(facts(LobbyStatus::locked, now + 1, false, 2), now) == Entry::banned);
  // A ban that has ended is no ban.
  CHECK(entry_for(facts(LobbyStatus::open, now, false, 0), now) == Entry::allowed);
  CHECK(entry_for(facts(LobbyStatus::open, now - 1, false, 0), now) == Entry::allowed);

  // One code and message per refusal, the same for the HTTP refusal and the error frame.
  CHECK(to_string(Entry::allowed).empty());
  CHECK(to_string(Entry::lobby_closed) == "lobby_closed");
  CHECK(to_string(Entry::banned) == "banned");
  CHECK(to_string(Entry::locked) == "lobby_locked");
  CHECK(to_string(Entry::full) == "lobby_full");
  CHECK(refusal_message(Entry::banned, facts(LobbyStatus::open, now + 1500, false, 0), now) ==
        "you were removed from this lobby; you may rejoin in 2 s");
  CHECK(refusal_message(Entry::full, facts(LobbyStatus::open, {}, false, 2), now) == "this lobby is full");
  CHECK(refusal_message(Entry::locked, facts(LobbyStatus::locked, {}, false, 0), now) ==
        "this lobby is locked: no new members for now");
}

TEST_CASE("a group goes on while two remain", "[lobby][rules]") {
  CHECK_FALSE(group_goes_on(0));
  CHECK_FALSE(group_goes_on(1));
  CHECK(group_goes_on(2));
  CHECK(group_goes_on(3));
}

TEST_CASE("signals go only to another member of the sender's current match", "[lobby][rules]") {
  Member a, b, c, outsider;
  a.user_id = "a";
  b.user_id = "b";
  c.user_id = "c";
  outsider.user_id = "x";
  CHECK(signal_target(a, "b") == nullptr);  // not in a match: nobody
  Match match;
  match.id = "m1";
  match.members = {&a, &b, &c};
  a.match = b.match = c.match = &match;
  CHECK(signal_target(a, "b") == &b);
  CHECK(signal_target(a, "c") == &c);
  CHECK(signal_target(c, "a") == &a);
  CHECK(signal_target(a, "a") == nullptr);  // not to yourself
  CHECK(signal_target(a, "x") == nullptr);  // not outside the match
  CHECK(signal_target(outsider, "a") == nullptr);
  CHECK(signal_target(a, "") == nullptr);
}

namespace {
Member named(const std::string& id) {
  Member m;
  m.user_id = id;
  return m;
}
}  // namespace

TEST_CASE("member ids: kept while a member, kept after leaving with history, reused otherwise", "[lobby][rules]") {
  MemberRegistry reg;
  MatchHistory history;
  Member& a = reg.add(named("a"));
  Member& b = reg.add(named("b"));
  Member& c = reg.add(named("c"));
  CHECK(a.mid == 0);
  CHECK(b.mid == 1);
  CHECK(c.mid == 2);
  CHECK(reg.size() == 3);
  CHECK(reg.find("b") == &b);
  CHECK(reg.find(MemberId{2}) == &c);
  CHECK(reg.id_for("a") == 0);  // the id a member holds
  CHECK_THROWS_AS(reg.add(named("a")), std::logic_error);

  history.record(a.mid, b.mid, 1000);  // a and b met
  reg.remove(a, history);
  CHECK(reg.find("a") == nullptr);
  CHECK(reg.size() == 2);
  CHECK(reg.remembered() == 3);  // a is remembered for their history
  CHECK(reg.user_of(0) == "a");

  reg.remove(c, history);  // c met nobody: the id goes back
  CHECK(reg.remembered() == 2);
  CHECK(reg.user_of(2).empty());
  Member& d = reg.add(named("d"));
  CHECK(d.mid == 2);  // reused first
  Member& a2 = reg.add(named("a"));
  CHECK(a2.mid == 0);  // a comes back to their old id and history
  CHECK(history.met(a2.mid, b.mid));
  Member& e = reg.add(named("e"));
  CHECK(e.mid == 3);  // nothing free: a new one

  // A no_media match taken back: a departed user with no pair left gives the id back too.
  const MemberId e_mid = e.mid;  // e is gone once removed
  history.record(e_mid, d.mid, 2000);
  reg.remove(e, history);
  CHECK(reg.user_of(3) == "e");
  history.restore(e_mid, d.mid, std::nullopt);
  reg.release_if_unmet(e_mid, history);
  CHECK(reg.user_of(3).empty());
  reg.release_if_unmet(d.mid, history);  // a member keeps their id whatever their history
  CHECK(reg.find("d") == &d);

  std::size_t seen = 0;
  reg.for_each([&](const Member&) { ++seen; });
  CHECK(seen == reg.size());
  reg.clear();
  CHECK(reg.empty());
  CHECK(reg.remembered() == 0);
}

TEST_CASE("repeats avoided counts the waiting members who met another waiting one", "[lobby][rules]") {
  MatchHistory h;
  h.record(0, 1, 1);
  h.record(2, 9, 1);  // 9 is not waiting
  h.record(3, 4, 1);
  h.record(3, 5, 1);
  std::vector<MemberId> left{0, 1, 2, 3, 4, 5, 6};
  // 0-1 and 3-4, 3-5: members 0, 1, 3, 4, 5 met someone else waiting; 2 and 6 did not.
  CHECK(count_repeats_avoided(left, h) == 5);
  CHECK(count_repeats_avoided(std::vector<MemberId>{0}, h) == 0);
  CHECK(count_repeats_avoided(std::vector<MemberId>{}, h) == 0);
  CHECK(count_repeats_avoided(std::vector<MemberId>{2, 6}, h) == 0);
  // Far more than the old scan's 64-member cap: every one of 1000 waiting members met its neighbour.
  MatchHistory many;
  std::vector<MemberId> all;
  for (MemberId i = 0; i < 1000; ++i) {
    all.push_back(i);
    if (i % 2) many.record(i - 1, i, 1);
  }
  CHECK(count_repeats_avoided(all, many) == 1000);
}

TEST_CASE("long timers expire on the grid: never early, at most one grain late, shared by nearby deadlines",
          "[lobby][rules][timers]") {
  using namespace std::chrono;
  using swirl::core::coarse_deadline;
  using swirl::core::kTimerGrain;
  const steady_clock::duration grain = kTimerGrain;
  const auto base = steady_clock::time_point(seconds(1000));  // on the grid
  for (nanoseconds offset : {nanoseconds(0), nanoseconds(1), nanoseconds(milliseconds(7)),
                             nanoseconds(milliseconds(49)), nanoseconds(milliseconds(50)),
                             nanoseconds(milliseconds(51)), nanoseconds(milliseconds(99) + microseconds(999))}) {
    auto now = base + offset;
    auto at = coarse_deadline(now, seconds(1));
    CHECK(at >= now + seconds(1));
    CHECK(at < now + seconds(1) + grain);
    CHECK(at.time_since_epoch() % grain == steady_clock::duration::zero());
  }
  // Members leaving 1 ms and 40 ms after a grid point share one expiry; one leaving on the grid
  // point keeps its exact deadline.
  CHECK(coarse_deadline(base + milliseconds(1), seconds(20)) == coarse_deadline(base + milliseconds(40), seconds(20)));
  CHECK(coarse_deadline(base, seconds(20)) == base + seconds(20));
}
