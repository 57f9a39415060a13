#pragma once

// Pure matchmaking rules for one lobby (STYLE.md habit 3): plain data in, groups out. The lobby
// actor keeps a MatchHistory, collects the ready members and calls find_matches(); nothing here
// knows about sockets, strands or clocks (the caller passes `now_ms`).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "swirl/storage/records.hpp"

namespace swirl::lobby {

// Dense lobby-local member id (0, 1, 2, ...). The actor maps user id strings to these so the
// history can be indexed by position instead of hashing strings.
using MemberId = std::uint32_t;

// What the matcher does once the ready members have all met each other (a lobby setting).
using storage::WhenExhausted;

// The lobby settings the matcher needs.
struct MatchRules {
  int group_size = 2;  // 2..4; groups larger than 2 are a mesh (every pair negotiates)
  WhenExhausted when_exhausted = WhenExhausted::wait;
  std::int64_t repeat_after_ms = 0;  // only used with WhenExhausted::repeat
};

// The rules a lobby's settings give the matcher.
MatchRules match_rules(const storage::LobbySettings& settings);

// Who has been in a match with whom in this lobby, and when they last were.
//
// Stored as one sorted vector of partner ids per member plus a parallel vector of times, both
// indexed by MemberId. That is 12 bytes per (member, partner) entry plus 48 bytes per member:
// 100k members who met 35 others each take about 45 MB (see bench/), against ~4x that for a hash
// map of pair keys. Lookups are a binary search in the shorter of the two lists (members meet
// tens to hundreds of others, so this stays in one or two cache lines); record() and forget()
// shift within those small vectors.
class MatchHistory {
 public:
  // Records that `a` and `b` were matched at `at_ms` (symmetric). Recording a pair again keeps
  // the latest time. A member matched with itself is ignored.
  void record(MemberId a, MemberId b, std::int64_t at_ms);

  // Undoes a record(): the pair goes back to `previous` (its last_met() before that record), or
  // is dropped when they had not met. For a match that never carried media (no_media).
  void restore(MemberId a, MemberId b, std::optional<std::int64_t> previous);

  bool met(MemberId a, MemberId b) const;
  std::optional<std::int64_t> last_met(MemberId a, MemberId b) const;

  // Number of distinct members `a` has met.
  std::size_t partners(MemberId a) const;

  // The ids `a` has met, ascending (empty for an unknown member). Valid until the next change.
  std::span<const MemberId> partners_of(MemberId a) const;

  // `a` left the lobby: drops every pair involving `a` and releases its memory, so the id can
  // be reused for a newcomer with a clean history.
  void forget(MemberId a);

  // Number of distinct unordered pairs that have met.
  std::size_t pair_count() const { return pair_count_; }

  // Heap bytes held (capacity-based), for capacity planning and the benchmark.
  std::size_t memory_bytes() const;

 private:
  // One member's partners: `ids` ascending, `at_ms[i]` the last meeting with `ids[i]`. Two
  // vectors rather than one of {id, time} so the binary search touches only the 4-byte ids.
  struct Partners {
    std::vector<MemberId> ids;
    std::vector<std::int64_t> at_ms;
  };

  const Partners* find_member(MemberId a) const;
  static void upsert(Partners& p, MemberId other, std::int64_t at_ms, bool& inserted);
  static void erase(Partners& p, MemberId other);

  std::vector<Partners> members_;
  std::size_t pair_count_ = 0;
};

// One ready member as the matcher sees it.
struct Candidate {
  MemberId id;
  std::int64_t ready_since_ms;  // when the member became ready (the wait starts here)
  std::uint64_t order = 0;      // among equal ready_since_ms, lower became ready first
};

// Groups ready members into matches.
//
// `ready` holds every ready, connected, unmatched member, in any order, each id at most once.
// Returns groups of exactly `rules.group_size` members; members that cannot be matched without
// breaking the rules are left out and wait for the next round. Deterministic: the same set of
// candidates, history, rules and `now_ms` give the same groups, whatever the input order.
//
// Order: members are ranked by (ready_since_ms, order, id), longest-waiting first. Inside a group the
// members are in rank order, and for every pair i < j member i is the offerer (impolite peer
// in perfect negotiation) and member j the polite one. Groups are returned in the order they
// were formed (first the all-new groups, by rank of their first member, then repeat groups).
//
// The rule (docs/protocol.md, Matchmaking): two members who have met are not matched again
// while either has a ready partner they have not met. Precisely, for the returned groups:
//   (P) for every pair {a, b} inside a group that has met before, every candidate c left
//       unmatched in this round has met both a and b.
// With WhenExhausted::wait no group contains a pair that has met; with ::repeat a pair that has
// met may share a group only if now_ms - last_met >= repeat_after_ms, and (P) still holds.
//
// Throws std::invalid_argument if rules.group_size is outside 2..4.
std::vector<std::vector<MemberId>> find_matches(std::span<const Candidate> ready, const MatchHistory& history,
                                                const MatchRules& rules, std::int64_t now_ms);

}  // namespace swirl::lobby
