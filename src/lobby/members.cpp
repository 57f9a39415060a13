#include "swirl/lobby/members.hpp"

#include <stdexcept>

namespace swirl::lobby {

MemberId MemberRegistry::id_for(const std::string& user_id) {
  if (auto it = ids_.find(user_id); it != ids_.end()) return it->second;
  MemberId mid;
  if (!free_.empty()) {
    mid = free_.back();
    free_.pop_back();
  } else {
    mid = static_cast<MemberId>(slots_.size());
    slots_.emplace_back();
  }
  slots_[mid].user_id = user_id;
  ids_.emplace(user_id, mid);
  return mid;
}

Member& MemberRegistry::add(Member m) {
  MemberId mid = id_for(m.user_id);
  auto& slot = slots_[mid];
  if (slot.member) throw std::logic_error("member added twice: " + m.user_id);
  m.mid = mid;
  slot.member = std::make_unique<Member>(std::move(m));
  ++size_;
  return *slot.member;
}

Member* MemberRegistry::find(const std::string& user_id) {
  auto it = ids_.find(user_id);
  return it == ids_.end() ? nullptr : slots_[it->second].member.get();
}

const Member* MemberRegistry::find(const std::string& user_id) const {
  auto it = ids_.find(user_id);
  return it == ids_.end() ? nullptr : slots_[it->second].member.get();
}

void MemberRegistry::remove(Member& m, MatchHistory& history) {
  MemberId mid = m.mid;
  if (mid >= slots_.size() || slots_[mid].member.get() != &m)
    throw std::logic_error("removing a member not registered");
  slots_[mid].member.reset();
  --size_;
  release_if_unmet(mid, history);
}

void MemberRegistry::release_if_unmet(MemberId mid, MatchHistory& history) {
  if (mid >= slots_.size()) return;
  auto& slot = slots_[mid];
  if (slot.member || slot.user_id.empty() || history.partners(mid) != 0) return;
  history.forget(mid);
  ids_.erase(slot.user_id);
  std::string().swap(slot.user_id);
  free_.push_back(mid);
}

void MemberRegistry::clear() {
  slots_.clear();
  ids_.clear();
  free_.clear();
  size_ = 0;
}

}  // namespace swirl::lobby
