// MatchHistory (declared in lobby/matchmaking.hpp): who has met whom in a lobby, and when.
// The matcher itself (find_matches) is matchmaking.cpp.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "swirl/lobby/matchmaking.hpp"

namespace swirl::lobby {

const MatchHistory::Partners* MatchHistory::find_member(MemberId a) const {
  return a < members_.size() ? &members_[a] : nullptr;
}

void MatchHistory::upsert(Partners& p, MemberId other, std::int64_t at_ms, bool& inserted) {
  auto it = std::lower_bound(p.ids.begin(), p.ids.end(), other);
  auto index = it - p.ids.begin();
  if (it != p.ids.end() && *it == other) {
    // Replaying history out of order must not move "last met" backwards.
    auto& at = p.at_ms[static_cast<std::size_t>(index)];
    at = std::max(at, at_ms);
    inserted = false;
    return;
  }
  p.ids.insert(it, other);
  p.at_ms.insert(p.at_ms.begin() + index, at_ms);
  inserted = true;
}

void MatchHistory::erase(Partners& p, MemberId other) {
  auto it = std::lower_bound(p.ids.begin(), p.ids.end(), other);
  if (it == p.ids.end() || *it != other) return;
  auto index = it - p.ids.begin();
  p.ids.erase(it);
  p.at_ms.erase(p.at_ms.begin() + index);
}

void MatchHistory::record(MemberId a, MemberId b, std::int64_t at_ms) {
  if (a == b) return;
  std::size_t needed = static_cast<std::size_t>(std::max(a, b)) + 1;
  if (members_.size() < needed) members_.resize(needed);
  bool inserted_a = false;
  bool inserted_b = false;
  upsert(members_[a], b, at_ms, inserted_a);
  upsert(members_[b], a, at_ms, inserted_b);
  if (inserted_a) ++pair_count_;
}

void MatchHistory::restore(MemberId a, MemberId b, std::optional<std::int64_t> previous) {
  if (a == b || std::max(a, b) >= members_.size()) return;
  if (!last_met(a, b)) return;
  erase(members_[a], b);
  erase(members_[b], a);
  --pair_count_;
  if (previous) record(a, b, *previous);
}

bool MatchHistory::met(MemberId a, MemberId b) const { return last_met(a, b).has_value(); }

std::optional<std::int64_t> MatchHistory::last_met(MemberId a, MemberId b) const {
  const Partners* pa = find_member(a);
  const Partners* pb = find_member(b);
  if (pa == nullptr || pb == nullptr) return std::nullopt;
  // The lists are symmetric, so search the shorter one.
  if (pb->ids.size() < pa->ids.size()) {
    std::swap(pa, pb);
    std::swap(a, b);
  }
  auto it = std::lower_bound(pa->ids.begin(), pa->ids.end(), b);
  if (it == pa->ids.end() || *it != b) return std::nullopt;
  return pa->at_ms[static_cast<std::size_t>(it - pa->ids.begin())];
}

std::size_t MatchHistory::partners(MemberId a) const {
  const Partners* p = find_member(a);
  return p == nullptr ? 0 : p->ids.size();
}

std::span<const MemberId> MatchHistory::partners_of(MemberId a) const {
  const Partners* p = find_member(a);
  if (p == nullptr) return {};
  return {p->ids.data(), p->ids.size()};
}

void MatchHistory::forget(MemberId a) {
  if (a >= members_.size()) return;
  Partners& mine = members_[a];
  for (MemberId other : mine.ids) erase(members_[other], a);
  pair_count_ -= mine.ids.size();
  // swap with empty vectors: clear() would keep the capacity.
  std::vector<MemberId>().swap(mine.ids);
  std::vector<std::int64_t>().swap(mine.at_ms);
}

std::size_t MatchHistory::memory_bytes() const {
  std::size_t bytes = members_.capacity() * sizeof(Partners);
  for (const Partners& p : members_) {
    bytes += p.ids.capacity() * sizeof(MemberId) + p.at_ms.capacity() * sizeof(std::int64_t);
  }
  return bytes;
}

}  // namespace swirl::lobby
