#pragma once
// The members of one lobby and their dense ids (matchmaking.hpp's MemberId), in one container:
// one slot per dense id holding the user id and, while they are in the lobby, their Member.
//
// Id rules (unit-tested in tests/test_lobby_rules.cpp):
//  * a user keeps one id while they are a member, and after they left if they met someone here
//    (their match history steers the matcher when they come back);
//  * a user who leaves having met nobody gives the id back; given-back ids are reused first
//    (last given back, first reused), so a lobby that runs for weeks holds only users with
//    history, which is what a fresh actor would load from the database.
// Members live at stable addresses (Match and the relay hold Member*) until they are removed.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/member.hpp"

namespace swirl::lobby {

class MemberRegistry {
 public:
  // The dense id of `user_id`: the one they hold, else a given-back one, else a new one.
  MemberId id_for(const std::string& user_id);
  // Adds a member under `m.user_id` (its mid is set here, from id_for). The user must not be a
  // member already (std::logic_error).
  Member& add(Member m);
  // The member, or null.
  Member* find(const std::string& user_id);
  const Member* find(const std::string& user_id) const;
  Member* find(MemberId mid) const { return mid < slots_.size() ? slots_[mid].member.get() : nullptr; }
  // The dense id `user_id` holds (a member, or remembered for their history), if any.
  std::optional<MemberId> find_id(const std::string& user_id) const {
    auto it = ids_.find(user_id);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  // The user id a dense id stands for ("" for a free id).
  const std::string& user_of(MemberId mid) const { return slots_.at(mid).user_id; }

  // Removes a member; their id is given back when `history` shows they met nobody here.
  void remove(Member& m, MatchHistory& history);
  // Gives back the id of a user who is not a member and has met nobody (e.g. after a no_media
  // match was taken back out of `history`). No-op otherwise.
  void release_if_unmet(MemberId mid, MatchHistory& history);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Users holding an id: members and those remembered for their history.
  std::size_t remembered() const { return ids_.size(); }
  void clear();

  // Calls f(Member&) for every member, in dense id order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& slot : slots_)
      if (slot.member) f(*slot.member);
  }

 private:
  struct Slot {
    std::string user_id;             // "" while the id is free
    std::unique_ptr<Member> member;  // null when the user is not in the lobby
  };
  std::vector<Slot> slots_;                        // dense id -> slot
  std::unordered_map<std::string, MemberId> ids_;  // user id -> dense id (the index of slots_)
  std::vector<MemberId> free_;                     // given-back ids, reused last first
  std::size_t size_ = 0;
};

}  // namespace swirl::lobby
