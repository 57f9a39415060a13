#include "swirl/lobby/admission.hpp"

#include "swirl/lobby/ban_message.hpp"

namespace swirl::lobby {

Entry entry_for(const EntryFacts& f, std::int64_t now_ms) {
  if (f.status == storage::LobbyStatus::closed) return Entry::lobby_closed;
  if (f.banned_until && *f.banned_until > now_ms) return Entry::banned;
  if (f.member) return Entry::allowed;
  if (f.status == storage::LobbyStatus::locked) return Entry::locked;
  // >=, not ==: the owner may lower max_members below the current count.
  if (static_cast<long long>(f.members) >= f.max_members) return Entry::full;
  return Entry::allowed;
}

std::string_view to_string(Entry entry) {
  switch (entry) {
    case Entry::allowed: return "";
    case Entry::lobby_closed: return "lobby_closed";
    case Entry::banned: return "banned";
    case Entry::locked: return "lobby_locked";
    case Entry::full: return "lobby_full";
  }
  return "";
}

std::string refusal_message(Entry entry, const EntryFacts& facts, std::int64_t now_ms) {
  switch (entry) {
    case Entry::allowed: return "";
    case Entry::lobby_closed: return "this lobby has been closed by its owner";
    case Entry::banned: return banned_message(facts.banned_until.value_or(now_ms), now_ms);
    case Entry::locked: return "this lobby is locked: no new members for now";
    case Entry::full: return "this lobby is full";
  }
  return "";
}

}  // namespace swirl::lobby
