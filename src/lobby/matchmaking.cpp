#include "swirl/lobby/matchmaking.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace swirl::lobby {

// ---------------------------------------------------------------------------------------------
// find_matches
//
// Algorithm. Candidates are sorted by (ready_since, order, id) and from then on named by their rank r
// (0 = longest waiting). A group is always built around an "anchor", the lowest-ranked member
// still unmatched, and filled with the lowest-ranked members that fit, so the longest-waiting
// members are served first and the result does not depend on input order.
//
// Pass 1 (always): fresh groups only, i.e. every pair inside the group has never met. For each
//   anchor a in rank order, a depth-first search over ranks > a picks members in rank order
//   that are fresh with everyone already picked. For group_size 2 this is a plain scan that
//   stops at the first fresh partner; for 3-4 it backtracks, bounded by fresh_search_budget
//   partial groups per anchor so a dense history cannot make one anchor cost O(n^3). If the
//   search fails, the anchor stays unmatched: with an exhaustive search no fresh group
//   containing it exists among the still-unmatched members, and that set only shrinks.
//
// Pass 2 (only WhenExhausted::repeat): over the members left by pass 1 (the "pool"), the same
//   anchor-by-rank greedy, now also accepting pairs that met at least repeat_after_ms ago.
//   Rule (P) in the header is enforced locally: when a pair {x, y} in the group being built
//   has met, both become "repeat members", and every still-unmatched pool member that is fresh
//   to a repeat member must be inside this same group (the set R of required members, added
//   first). A group is committed only when it is full, which forces R to be empty. So at the
//   moment a group with a repeat pair is formed, every fresh partner of its repeat members is
//   matched already (pass 1, earlier pass 2 groups) or in the group; nobody is ever unmatched
//   again within the round, hence (P) holds for the final result. Pass 1 groups have no pair
//   that met, so they satisfy (P) trivially. A member with g or more fresh partners in the pool
//   can therefore never be in a repeat pair; the fresh counts are kept up to date in O(1) per
//   lookup (met_free_ below) so such candidates are rejected without scanning the pool.
//   For group_size 2 the pool after pass 1 is a clique of "met" pairs (if x and y in the pool
//   were fresh, the earlier of them would have taken the other as anchor), so R is always empty
//   and pass 2 is plain greedy over eligible repeats.
//
// Complexity, with n candidates, g the group size and D the largest number of partners a
// candidate has met: sorting O(n log n). Pass 1: a scan from anchor a only skips candidates that
// met someone already in the group, so one anchor for g = 2 costs O((D + 1) log D) and for
// g >= 3 at most fresh_search_budget such scans; with realistic histories (D << n) almost every
// anchor finds a partner within a step or two, so pass 1 is ~O(n log D) in practice. Unmatched
// members are skipped in O(alpha) with a path-compressed "next free rank" array (FreeRanks).
// Pass 2 runs on the m pool members only: O(m log m + sum of their D log m) setup, then at most
// repeat_scan_budget candidates per anchor, each O(g log D). Memory: O(n) besides the output.

namespace {

constexpr int min_group_size = 2;
constexpr int max_group_size = 4;

// Partial groups a pass-1 search may extend per anchor (only matters for g >= 3). Hitting it
// only means an anchor waits a round longer; the rules still hold.
constexpr std::size_t fresh_search_budget = 256;

// Candidates a pass-2 anchor may examine. Same reasoning: a cap on effort, not on correctness.
constexpr std::size_t repeat_scan_budget = 4096;

using Rank = std::uint32_t;

// Ranks 0..n-1 with "skip to the next unmatched rank" in near O(1): next_[r] == r while r is
// free; taking r links it to r + 1, and lookups halve the paths they walk.
class FreeRanks {
 public:
  explicit FreeRanks(std::size_t n) : next_(n + 1) { std::iota(next_.begin(), next_.end(), Rank{0}); }

  // Smallest free rank >= r, or n if there is none.
  Rank next(Rank r) {
    while (next_[r] != r) {
      next_[r] = next_[next_[r]];
      r = next_[r];
    }
    return r;
  }

  bool is_free(Rank r) const { return next_[r] == r; }
  void take(Rank r) { next_[r] = r + 1; }

 private:
  std::vector<Rank> next_;
};

// Fixed-capacity list of ranks (a group, or the required set), so the hot loops never allocate.
struct SmallRanks {
  std::array<Rank, max_group_size> items{};
  std::size_t size = 0;

  auto begin() const { return items.begin(); }
  auto end() const { return items.begin() + static_cast<std::ptrdiff_t>(size); }
  bool contains(Rank r) const { return std::find(begin(), end(), r) != end(); }
  bool full() const { return size == items.size(); }
  void push(Rank r) { items[size++] = r; }
};

// State shared by both passes for one call.
class Matcher {
 public:
  Matcher(std::span<const Candidate> ready, const MatchHistory& history, const MatchRules& rules, std::int64_t now_ms)
      : history_(history),
        rules_(rules),
        now_ms_(now_ms),
        g_(static_cast<std::size_t>(rules.group_size)),
        free_(ready.size()) {
    ids_.reserve(ready.size());
    std::vector<Candidate> sorted(ready.begin(), ready.end());
    std::sort(sorted.begin(), sorted.end(), [](const Candidate& x, const Candidate& y) {
      if (x.ready_since_ms != y.ready_since_ms) return x.ready_since_ms < y.ready_since_ms;
      return x.order != y.order ? x.order < y.order : x.id < y.id;
    });
    for (const Candidate& c : sorted) ids_.push_back(c.id);
  }

  std::vector<std::vector<MemberId>> run() {
    if (ids_.size() >= g_) {
      fresh_pass();
      if (rules_.when_exhausted == WhenExhausted::repeat) repeat_pass();
    }
    return std::move(groups_);
  }

 private:
  Rank n() const { return static_cast<Rank>(ids_.size()); }

  bool met(Rank x, Rank y) const { return history_.met(ids_[x], ids_[y]); }

  void emit(SmallRanks group) {
    // Insertion sort: at most 4 items, and std::sort's 16-element threshold trips -Warray-bounds.
    for (std::size_t i = 1; i < group.size; ++i) {
      for (std::size_t j = i; j > 0 && group.items[j - 1] > group.items[j]; --j) {
        std::swap(group.items[j - 1], group.items[j]);
      }
    }
    std::vector<MemberId> out;
    out.reserve(group.size);
    for (std::size_t i = 0; i < group.size; ++i) out.push_back(ids_[group.items[i]]);
    groups_.push_back(std::move(out));
  }

  // --- pass 1 -------------------------------------------------------------------------------

  void fresh_pass() {
    for (Rank a = free_.next(0); a < n(); a = free_.next(a + 1)) {
      SmallRanks group;
      group.push(a);
      budget_ = fresh_search_budget;
      group_partners_[0] = history_.partners_of(ids_[a]);
      if (!extend_fresh(group, a + 1)) continue;
      for (std::size_t i = 0; i < group.size; ++i) free_.take(group.items[i]);
      emit(group);
    }
  }

  // Fills `group` (members in rank order) with free ranks >= from that are fresh with every
  // member already in it. True when the group is full.
  bool extend_fresh(SmallRanks& group, Rank from) {
    for (Rank r = free_.next(from); r < n(); r = free_.next(r + 1)) {
      // Search the group members' own lists, which stay in cache while we scan, rather than
      // MatchHistory::met, which would also touch every scanned candidate's list.
      const MemberId id = ids_[r];
      bool fresh = true;
      for (std::size_t i = 0; i < group.size && fresh; ++i) {
        fresh = !std::binary_search(group_partners_[i].begin(), group_partners_[i].end(), id);
      }
      if (!fresh) continue;
      group.push(r);
      if (group.size == g_) return true;
      group_partners_[group.size - 1] = history_.partners_of(id);
      if (budget_ == 0) {
        --group.size;
        return false;
      }
      --budget_;
      if (extend_fresh(group, r + 1)) return true;
      --group.size;
    }
    return false;
  }

  // --- pass 2 -------------------------------------------------------------------------------

  // Pool lookups by member id: (id, rank), sorted by id.
  std::optional<Rank> pool_rank(MemberId id) const {
    auto it = std::lower_bound(pool_by_id_.begin(), pool_by_id_.end(), std::pair{id, Rank{0}});
    if (it == pool_by_id_.end() || it->first != id) return std::nullopt;
    return it->second;
  }

  // Number of free pool members (other than x) that x has never met.
  std::size_t fresh_count(Rank x) const { return pool_free_ - 1 - met_free_[x]; }

  // Adds to `required` the free pool members fresh to x that are not in `group`. False when x
  // has more fresh partners than could ever fit in its group (then x cannot be in a repeat pair).
  bool require_fresh_partners(Rank x, const SmallRanks& group, SmallRanks& required) {
    if (fresh_count(x) > g_ - 1) return false;
    // Few fresh partners means x met nearly all pool_free_ members, so this walk is O(D + g).
    for (Rank r = free_.next(0); r < n(); r = free_.next(r + 1)) {
      if (r == x || met(x, r) || group.contains(r) || required.contains(r)) continue;
      if (required.full()) return false;
      required.push(r);
    }
    return true;
  }

  // Tries to add y to `group` (pass 2 rules). On success updates group, repeat flags and
  // required set; on failure leaves them untouched.
  bool try_add(Rank y, SmallRanks& group, std::array<bool, max_group_size>& repeat, SmallRanks& required) {
    std::array<bool, max_group_size> new_repeat = repeat;
    bool y_repeat = false;
    for (std::size_t i = 0; i < group.size; ++i) {
      auto last = history_.last_met(ids_[group.items[i]], ids_[y]);
      if (!last) continue;
      if (now_ms_ - *last < rules_.repeat_after_ms) return false;
      new_repeat[i] = true;
      y_repeat = true;
    }
    SmallRanks with_y = group;
    with_y.push(y);
    // Required members stay required unless they are now in the group.
    SmallRanks new_required;
    for (std::size_t i = 0; i < required.size; ++i) {
      if (required.items[i] != y) new_required.push(required.items[i]);
    }
    for (std::size_t i = 0; i < group.size; ++i) {
      if (new_repeat[i] && !repeat[i] && !require_fresh_partners(group.items[i], with_y, new_required)) {
        return false;
      }
    }
    if (y_repeat && !require_fresh_partners(y, with_y, new_required)) return false;
    if (with_y.size + new_required.size > g_) return false;
    new_repeat[group.size] = y_repeat;
    group = with_y;
    repeat = new_repeat;
    required = new_required;
    return true;
  }

  void repeat_pass() {
    // Everything still free after pass 1 is the pool.
    for (Rank r = free_.next(0); r < n(); r = free_.next(r + 1)) {
      pool_by_id_.emplace_back(ids_[r], r);
    }
    if (pool_by_id_.size() < g_) return;
    std::sort(pool_by_id_.begin(), pool_by_id_.end());
    pool_free_ = pool_by_id_.size();
    met_free_.assign(ids_.size(), 0);
    for (const auto& [id, rank] : pool_by_id_) {
      for (MemberId partner : history_.partners_of(id)) {
        if (pool_rank(partner)) ++met_free_[rank];
      }
    }

    for (Rank a = free_.next(0); a < n() && pool_free_ >= g_; a = free_.next(a + 1)) {
      SmallRanks group;
      group.push(a);
      std::array<bool, max_group_size> repeat{};
      SmallRanks required;
      std::size_t budget = repeat_scan_budget;
      bool failed = false;
      while (group.size < g_ && !failed) {
        if (required.size > 0) {
          // Members the rule requires come first; take the longest-waiting of them.
          Rank must = *std::min_element(required.begin(), required.end());
          failed = !try_add(must, group, repeat, required);
          continue;
        }
        bool added = false;
        for (Rank r = free_.next(a + 1); r < n() && budget > 0; r = free_.next(r + 1)) {
          --budget;
          if (group.contains(r)) continue;
          if (try_add(r, group, repeat, required)) {
            added = true;
            break;
          }
        }
        failed = !added;
      }
      if (failed) continue;
      commit_pool_group(group);
    }
  }

  void commit_pool_group(const SmallRanks& group) {
    for (std::size_t i = 0; i < group.size; ++i) {
      Rank r = group.items[i];
      free_.take(r);
      --pool_free_;
      // Keep met_free_ exact: r no longer counts as a free partner of anyone it has met.
      for (MemberId partner : history_.partners_of(ids_[r])) {
        if (auto pr = pool_rank(partner)) --met_free_[*pr];
      }
    }
    emit(group);
  }

  const MatchHistory& history_;
  const MatchRules& rules_;
  std::int64_t now_ms_;
  std::size_t g_;
  std::vector<MemberId> ids_;  // by rank
  FreeRanks free_;
  std::size_t budget_ = 0;
  std::array<std::span<const MemberId>, max_group_size> group_partners_;  // pass 1, by position
  std::vector<std::pair<MemberId, Rank>> pool_by_id_;
  std::vector<std::size_t> met_free_;  // by rank: free pool members this member has met
  std::size_t pool_free_ = 0;
  std::vector<std::vector<MemberId>> groups_;
};

}  // namespace

std::vector<std::vector<MemberId>> find_matches(std::span<const Candidate> ready, const MatchHistory& history,
                                                const MatchRules& rules, std::int64_t now_ms) {
  if (rules.group_size < min_group_size || rules.group_size > max_group_size) {
    throw std::invalid_argument("group_size must be between 2 and 4, got " + std::to_string(rules.group_size));
  }
  return Matcher(ready, history, rules, now_ms).run();
}

MatchRules match_rules(const storage::LobbySettings& settings) {
  return MatchRules{settings.group_size, settings.when_exhausted,
                    static_cast<std::int64_t>(settings.repeat_after_seconds) * 1000};
}

}  // namespace swirl::lobby
