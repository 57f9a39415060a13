#pragma once
// Who may enter a lobby: one rule for the two places that ask. The WebSocket upgrade asks before
// it completes (api/lobbies_api.cpp, `admit`: the answer becomes an HTTP refusal), from the live
// actor's memory or, for a lobby without one, the database; the actor asks again when the join
// arrives (lobby_server.cpp, do_join: the answer becomes an `error` frame and a close), since a
// ban, a lock or the last free place may have come in between. Pure: unit-tested in
// tests/test_lobby_rules.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "swirl/storage/records.hpp"

namespace swirl::lobby {

// What admission knows about the lobby and the user.
struct EntryFacts {
  storage::LobbyStatus status = storage::LobbyStatus::open;
  std::optional<std::int64_t> banned_until;  // Unix ms, when the user's ban here ends (if any)
  bool member = false;  // already a member (a resume, or a second tab): a lock or a full lobby does not apply
  std::size_t members = 0;
  int max_members = 0;
};

// In order of precedence: closed, then banned, then locked, then full.
enum class Entry { allowed, lobby_closed, banned, locked, full };

Entry entry_for(const EntryFacts& facts, std::int64_t now_ms);

// The refusal's code, as both the HTTP error and the `error` frame name it
// (lobby_closed, banned, lobby_locked, lobby_full); "" for allowed.
std::string_view to_string(Entry entry);
// The refusal's message for the user (a ban's says for how long, from `facts.banned_until`).
std::string refusal_message(Entry entry, const EntryFacts& facts, std::int64_t now_ms);

}  // namespace swirl::lobby
