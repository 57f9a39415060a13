#pragma once
// What the database stores, as plain data: users, lobbies (identity, owner, settings, status),
// the pairs that met and the match-history events. Shared by the storage layer, the HTTP API
// and the lobby actor (which gets its own copy of its lobby's record).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace swirl::storage {

enum class LobbyStatus { open, locked, closed };
std::string_view to_string(LobbyStatus s);
std::optional<LobbyStatus> lobby_status_from(std::string_view s);

// What the matcher does once the ready members have all met each other.
enum class WhenExhausted {
  wait,   // never repeat a pair: they wait for someone new
  repeat  // allow a repeat once `repeat_after_seconds` have passed since that pair last met
};

struct LobbySettings {
  int group_size = 2;     // 2..4
  int max_members = 200;  // 2..10000
  WhenExhausted when_exhausted = WhenExhausted::wait;
  int repeat_after_seconds = 0;     // 0..86400, with when_exhausted = repeat
  int round_seconds = 0;            // 0 = no limit, else up to 7200: a match ends itself after it
  int idle_shutdown_seconds = 300;  // 1..86400: an empty lobby's actor stops after it

  nlohmann::json to_json() const;
};

struct SettingsError {
  std::string field;
  std::string message;
};

// Applies the fields present in `patch` on top of `base`, validating each; unknown fields and
// wrong types are errors that name the field.
std::variant<LobbySettings, SettingsError> apply_settings(const LobbySettings& base, const nlohmann::json& patch);

struct LobbyRecord {
  std::string id;
  std::string name;
  std::string owner_id;
  LobbySettings settings;
  LobbyStatus status = LobbyStatus::open;
  std::int64_t created_at_ms = 0;
};

// A pair that met in a lobby, as stored.
struct PairRecord {
  std::string user_a;
  std::string user_b;
  std::int64_t last_met_at_ms = 0;
};

// A running ban as the owner lists it (GET /api/lobbies/{id}/bans).
struct BanView {
  std::string user_id;
  std::string display_name;   // the user's current name
  std::int64_t until_ms = 0;  // Unix ms
};

struct User {
  std::string id;
  std::string display_name;
  std::int64_t created_at_ms = 0;
  std::int64_t last_seen_at_ms = 0;
};

// One change to the match history. Lobbies queue these (storage/history_writer.hpp) and they
// are written in batches, in order, one transaction per batch.
struct HistoryEvent {
  // pairs_met: the members' pairs count as having met (match_pairs), for a match started with
  // with_pairs = false once media flowed or it ended for a reason other than no_media.
  // member_joined: members[0] joined the lobby (lobby_members; kept once, the first time).
  // user_seen: members[0] made an authenticated call at at_ms (users.last_seen_at, which never
  // moves back).
  enum class Kind { match_started, match_ended, pairs_met, member_joined, user_seen };
  Kind kind = Kind::match_started;
  std::string lobby_id;  // match_started, pairs_met, member_joined
  std::string match_id;
  std::vector<std::string> members;  // match_started, pairs_met, member_joined
  bool with_pairs = true;            // match_started: also upsert the pairs now
  std::string end_reason;            // match_ended
  std::int64_t at_ms = 0;
};

}  // namespace swirl::storage
