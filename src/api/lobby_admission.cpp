#include "swirl/api/lobby_admission.hpp"

#include <cctype>

#include "swirl/api/users_api.hpp"
#include "swirl/auth/tokens.hpp"
#include "swirl/cluster/placement.hpp"
#include "swirl/core/clock.hpp"
#include "swirl/http/header_tokens.hpp"

namespace swirl::api {
namespace asio = boost::asio;
using http::ApiError;
using http::Status;

bool valid_lobby_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

namespace {

// The token from "Sec-WebSocket-Protocol: swirl.v1, swirl.token.<TOKEN>" or the Authorization header.
std::optional<std::string> ws_token(const http::Request& req) {
  static constexpr std::string_view prefix = "swirl.token.";
  if (auto item = http::find_list_element(req[http::bhttp::field::sec_websocket_protocol],
                                          [](std::string_view e) { return e.starts_with(prefix); }))
    return std::string(item->substr(prefix.size()));
  auto header = req[http::bhttp::field::authorization];
  if (!header.empty()) return auth::bearer_token(header);
  return std::nullopt;
}

}  // namespace

asio::awaitable<LobbyFacts> lobby_facts(LobbyServices& s, const std::string& lobby_id, const std::string& user_id,
                                        bool spawn) {
  auto probe = [user_id](lobby::LobbyServer& l) {
    LobbyFacts f;
    f.record = l.record();
    f.entry.members = l.member_count();
    f.entry.member = l.has_member(user_id);
    if (!user_id.empty()) f.entry.banned_until = l.banned_until(user_id);
    return f;
  };
  auto live =
      spawn ? co_await s.supervisor->ask_spawning(lobby_id, probe) : co_await s.supervisor->ask(lobby_id, probe);
  std::optional<LobbyFacts> facts = std::move(live);
  if (!facts) {
    if (spawn) cluster::refuse_if_elsewhere(s.supervisor->lease_keeper(), lobby_id);  // 503 lobby_elsewhere
    // No actor (or it could not be started: unknown, closed, or the database failed): the
    // database says which.
    auto& db = s.base.db;
    auto job = [&db, lobby_id, user_id] {
      LobbyFacts f;
      f.record = db.find_lobby(lobby_id);
      if (f.record && !user_id.empty()) f.entry.banned_until = db.banned_until(lobby_id, user_id);
      return f;
    };
    auto op = s.base.pool.run(std::move(job));
    facts = co_await std::move(op);
  }
  if (facts->record) {
    facts->entry.status = facts->record->status;
    facts->entry.max_members = facts->record->settings.max_members;
  }
  co_return std::move(*facts);
}

ApiError entry_refusal(lobby::Entry entry, const lobby::EntryFacts& facts, std::int64_t now) {
  Status status = Status::conflict;  // lobby_closed, lobby_full
  if (entry == lobby::Entry::banned) status = Status::forbidden;
  if (entry == lobby::Entry::locked) status = Status::locked;
  return ApiError(status, std::string(lobby::to_string(entry)), lobby::refusal_message(entry, facts, now));
}

asio::awaitable<Admitted> admit_websocket(LobbyServices& s, const http::Request& req, const std::string& client) {
  Admitted a;
  // The abuse hooks first (the Origin allow-list, the per-address WebSocket cap): they need no
  // database and refuse floods before any work.
  a.abuse_slot = s.base.abuse.admit_websocket(req, client);
  std::vector<std::string> segments;
  segments.reserve(4);  // "/api/lobbies/{id}/ws": no regrowth on the way
  if (!http::split_path(req.target(), segments) || segments.size() != 4 || segments[0] != "api" ||
      segments[1] != "lobbies" || segments[3] != "ws")
    throw ApiError(Status::not_found, "not_found", "no WebSocket endpoint here");
  a.lobby_id = segments[2];
  if (!valid_lobby_id(a.lobby_id)) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
  auto token = ws_token(req);
  if (!token)
    throw ApiError(Status::unauthorized, "missing_token",
                   "pass the token as the subprotocol swirl.token.<TOKEN> or an Authorization: Bearer header");
  a.user = co_await authenticate_token(s.base, *token);
  auto facts = co_await lobby_facts(s, a.lobby_id, a.user.id, true);
  if (!facts.record) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
  auto now = core::now_ms();
  if (auto entry = lobby::entry_for(facts.entry, now); entry != lobby::Entry::allowed)
    throw entry_refusal(entry, facts.entry, now);
  a.new_member = !facts.entry.member;
  co_return a;
}

}  // namespace swirl::api
