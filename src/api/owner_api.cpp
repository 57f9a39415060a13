#include "swirl/api/owner_api.hpp"

#include <cctype>

#include "swirl/api/owner_reports.hpp"
#include "swirl/api/users_api.hpp"
#include "swirl/cluster/placement.hpp"
#include "swirl/core/clock.hpp"
#include "swirl/core/iso8601.hpp"
#include "swirl/core/utf8.hpp"
#include "swirl/lobby/owner_change.hpp"
#include "swirl/users/display_name.hpp"

namespace swirl::api {
namespace asio = boost::asio;
using http::ApiError;
using http::Json;
using http::Status;
using lobby::LobbyServer;

namespace {

constexpr int kMaxBanSeconds = 30 * 24 * 3600;  // 30 days
constexpr std::size_t kMaxAnnouncementChars = 500;
constexpr std::size_t kUserIdChars = 16;  // core::new_id(): 12 random bytes, base64url

bool well_formed_user_id(const std::string& id) {
  if (id.size() != kUserIdChars) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

struct OwnedLobby {
  storage::User owner;
  storage::LobbyRecord record;
};

// Authenticates the caller and finds the lobby: 401 / 404 / 403 (not the owner) / 409 (closed,
// for calls that change something). A live lobby's actor answers who owns it (its record is
// kept in step with the database by apply_change); only a lobby without one is read from the
// database.
asio::awaitable<OwnedLobby> owned_lobby(LobbyServices& s, http::RequestContext& ctx, bool changes) {
  auto user = co_await authenticate(s.base, ctx.request);
  const std::string id = ctx.param("id");
  std::optional<storage::LobbyRecord> record =
      co_await s.supervisor->ask(id, [](LobbyServer& l) { return l.record(); });
  if (!record) {
    co_await cluster::refuse_if_held_elsewhere(s.supervisor->lease_keeper(), id);  // 503 lobby_elsewhere
    auto& db = s.base.db;
    auto job = [&db, id] { return db.find_lobby(id); };
    auto op = s.base.pool.run(std::move(job));
    record = co_await std::move(op);
  }
  if (!record) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
  if (record->owner_id != user.id) throw ApiError(Status::forbidden, "not_owner", "only the lobby's owner may do this");
  if (changes && record->status == storage::LobbyStatus::closed)
    throw ApiError(Status::conflict, "lobby_closed", "this lobby is closed; it cannot be changed any more");
  co_return OwnedLobby{std::move(user), std::move(*record)};
}

// A user id in a body or a path: 400 invalid_user_id unless it is one.
void check_user_id(const std::string& user_id) {
  if (!well_formed_user_id(user_id))
    throw ApiError(Status::bad_request, "invalid_user_id",
                   "user_id is not a user id (16 characters of A-Z, a-z, 0-9, - and _)");
}

std::string required_string(const Json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    throw ApiError(Status::bad_request, "invalid_" + field, field + " is required and must be a non-empty string");
  return it->get<std::string>();
}

// The one path of an owner change: the record first (the database, on the pool), then the live
// actor's copy, with the same value. True when a live actor took it. A ban the database refused
// (lobby/owner_change.hpp) is an error here and reaches no actor.
asio::awaitable<bool> apply_change(LobbyServices& s, const std::string& id, lobby::OwnerChange change) {
  auto& db = s.base.db;
  auto job = [&db, history = &s.base.history, id, change, cap = s.base.config.max_bans_per_lobby] {
    // A ban asks whether the user is or was a member: joins are written behind
    // (storage/history_writer.hpp), so store those still queued first.
    if (change.ban) history->drain_now();
    return lobby::store(db, id, change, core::now_ms(), cap);
  };
  auto op = s.base.pool.run(std::move(job));
  switch (co_await std::move(op)) {
    case lobby::Stored::yes: break;
    case lobby::Stored::not_member:
      throw ApiError(Status::not_found, "member_not_found", "that user has never been in this lobby");
    case lobby::Stored::too_many_bans:
      throw ApiError(Status::conflict, "too_many_bans",
                     "this lobby already has " + std::to_string(s.base.config.max_bans_per_lobby) +
                         " bans running (the limit); wait for some to end");
    case lobby::Stored::not_banned:
      throw ApiError(Status::not_found, "ban_not_found", "that user is not banned from this lobby");
  }
  auto live = co_await s.supervisor->ask(id, [change](LobbyServer& l) {
    l.apply(change);
    return true;
  });
  co_return live.has_value();
}

asio::awaitable<http::Response> set_status(LobbyServices& s, http::RequestContext& ctx, storage::LobbyStatus status) {
  auto owned = co_await owned_lobby(s, ctx, true);
  co_await apply_change(s, owned.record.id, {.status = status});
  co_return http::json_response(ctx.request, Status::ok,
                                Json{{"id", owned.record.id}, {"status", storage::to_string(status)}});
}

}  // namespace

void register_owner_routes(http::Router& router, LobbyServices& s) {
  using http::bhttp::verb;

  router.add(verb::get, "/api/lobbies/{id}/state", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    auto owned = co_await owned_lobby(s, ctx, false);
    auto live = co_await s.supervisor->ask(owned.record.id, [](LobbyServer& l) { return l.state_json(); });
    Json out;
    if (live) {
      out = std::move(*live);
      out["live"] = true;
    } else {
      auto& db = s.base.db;
      auto job = [&db, history = &s.supervisor->history(), id = owned.record.id] {
        history->drain_now();  // matches of its last actor may still be queued
        return db.count_matches(id);
      };
      auto op = s.base.pool.run(std::move(job));
      auto matches = co_await std::move(op);
      out = Json{{"live", false},
                 {"members", Json::array()},
                 {"matches", Json::array()},
                 {"counters", {{"matches_made", matches}, {"repeats_avoided", 0}}}};
    }
    out["id"] = owned.record.id;
    out["name"] = owned.record.name;
    out["status"] = storage::to_string(owned.record.status);
    out["owner_id"] = owned.record.owner_id;
    out["settings"] = owned.record.settings.to_json();
    out["reports"] = co_await reports_json(s, owned.record.id);
    co_return http::json_response(ctx.request, Status::ok, out);
  });

  // Dismissing a report is allowed in a closed lobby too: it only tidies the owner's list.
  router.add(
      verb::delete_, "/api/lobbies/{id}/reports/{report_id}",
      [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto owned = co_await owned_lobby(s, ctx, false);
        std::string report_id = ctx.param("report_id");
        co_await dismiss_report(s, owned.record.id, report_id);
        co_return http::json_response(ctx.request, Status::ok, Json{{"report_id", report_id}, {"dismissed", true}});
      });

  router.add(verb::patch, "/api/lobbies/{id}/settings",
             [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto owned = co_await owned_lobby(s, ctx, true);
               Json body = http::parse_json_object(ctx.request);
               auto applied = storage::apply_settings(owned.record.settings, body);
               if (auto* err = std::get_if<storage::SettingsError>(&applied))
                 throw ApiError(Status::bad_request, "invalid_settings", err->field + ": " + err->message);
               auto settings = std::get<storage::LobbySettings>(applied);
               bool live = co_await apply_change(s, owned.record.id, {.settings = settings});
               co_return http::json_response(
                   ctx.request, Status::ok,
                   Json{{"id", owned.record.id}, {"settings", settings.to_json()}, {"applied_live", live}});
             });

  router.add(verb::post, "/api/lobbies/{id}/kick", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    auto owned = co_await owned_lobby(s, ctx, true);
    Json body = http::parse_json_object(ctx.request);
    std::string user_id = required_string(body, "user_id");
    int ban_seconds = 0;
    if (auto it = body.find("ban_seconds"); it != body.end()) {
      if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > kMaxBanSeconds)
        throw ApiError(Status::bad_request, "invalid_ban_seconds",
                       "ban_seconds must be a whole number from 0 to " + std::to_string(kMaxBanSeconds));
      ban_seconds = it->get<int>();
    }
    check_user_id(user_id);
    if (user_id == owned.owner.id) throw ApiError(Status::bad_request, "invalid_user_id", "you cannot kick yourself");
    // Only someone who has been in the lobby can be banned from it, and a lobby holds a bounded
    // number of bans (both checked where the ban is stored). A live lobby keeps its bans in
    // memory: it learns this one before it kicks.
    if (ban_seconds > 0)
      co_await apply_change(
          s, owned.record.id,
          {.ban = lobby::Ban{user_id, core::now_ms() + static_cast<std::int64_t>(ban_seconds) * 1000}});
    auto kicked = co_await s.supervisor->ask(
        owned.record.id, [user_id, ban_seconds](LobbyServer& l) { return l.kick(user_id, ban_seconds); });
    bool was_member = kicked && *kicked;
    if (!was_member && ban_seconds == 0)
      throw ApiError(Status::not_found, "member_not_found", "that user is not in the lobby");
    co_return http::json_response(ctx.request, Status::ok,
                                  Json{{"user_id", user_id}, {"kicked", was_member}, {"ban_seconds", ban_seconds}});
  });

  // The running bans, the one that ends first first (read: allowed on a closed lobby too).
  router.add(verb::get, "/api/lobbies/{id}/bans", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    auto owned = co_await owned_lobby(s, ctx, false);
    auto& db = s.base.db;
    const std::int64_t now = core::now_ms();
    auto job = [&db, id = owned.record.id, now] { return db.list_bans(id, now); };
    auto op = s.base.pool.run(std::move(job));
    std::vector<storage::BanView> bans = co_await std::move(op);
    Json list = Json::array();
    for (const auto& b : bans)
      list.push_back(Json{{"user_id", b.user_id},
                          {"display_name", b.display_name},
                          {"until", core::iso8601(b.until_ms)},
                          {"seconds_left", (b.until_ms - now + 999) / 1000}});
    co_return http::json_response(ctx.request, Status::ok,
                                  Json{{"bans", std::move(list)}, {"max_bans", s.base.config.max_bans_per_lobby}});
  });

  // Lifts a ban: the user may join again at once (the live actor learns it with the database).
  router.add(verb::delete_, "/api/lobbies/{id}/bans/{user_id}",
             [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto owned = co_await owned_lobby(s, ctx, true);
               std::string user_id = ctx.param("user_id");
               check_user_id(user_id);
               co_await apply_change(s, owned.record.id, {.unban = user_id});
               co_return http::json_response(ctx.request, Status::ok, Json{{"user_id", user_id}, {"unbanned", true}});
             });

  router.add(verb::post, "/api/lobbies/{id}/matches/{match_id}/end",
             [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto owned = co_await owned_lobby(s, ctx, true);
               std::string match_id = ctx.param("match_id");
               auto ended = co_await s.supervisor->ask(
                   owned.record.id, [match_id](LobbyServer& l) { return l.end_match_by_owner(match_id); });
               if (!ended || !*ended) throw ApiError(Status::not_found, "match_not_found", "no such match in progress");
               co_return http::json_response(ctx.request, Status::ok, Json{{"match_id", match_id}, {"ended", true}});
             });

  router.add(verb::post, "/api/lobbies/{id}/lock", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    co_return co_await set_status(s, ctx, storage::LobbyStatus::locked);
  });
  router.add(verb::post, "/api/lobbies/{id}/unlock",
             [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               co_return co_await set_status(s, ctx, storage::LobbyStatus::open);
             });

  router.add(
      verb::post, "/api/lobbies/{id}/announce", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto owned = co_await owned_lobby(s, ctx, true);
        Json body = http::parse_json_object(ctx.request);
        std::string raw = required_string(body, "message");
        // Same text rules as names (valid UTF-8, no control characters), longer limit.
        std::u32string cps;
        if (!core::decode_utf8(raw, cps))
          throw ApiError(Status::bad_request, "invalid_message", "message is not valid UTF-8");
        if (cps.size() > kMaxAnnouncementChars)
          throw ApiError(Status::bad_request, "invalid_message",
                         "message must be at most " + std::to_string(kMaxAnnouncementChars) + " characters");
        for (char32_t c : cps)
          if ((c < 0x20 && c != '\n') || c == 0x7F)
            throw ApiError(Status::bad_request, "invalid_message", "message must not contain control characters");
        auto delivered = co_await s.supervisor->ask(owned.record.id, [raw](LobbyServer& l) { return l.announce(raw); });
        co_return http::json_response(ctx.request, Status::ok, Json{{"delivered", delivered.value_or(0)}});
      });

  router.add(verb::post, "/api/lobbies/{id}/close", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
    auto owned = co_await owned_lobby(s, ctx, true);
    co_await apply_change(s, owned.record.id, {.status = storage::LobbyStatus::closed});
    co_return http::json_response(ctx.request, Status::ok, Json{{"id", owned.record.id}, {"status", "closed"}});
  });

  router.add(
      verb::post, "/api/lobbies/{id}/transfer", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto owned = co_await owned_lobby(s, ctx, true);
        Json body = http::parse_json_object(ctx.request);
        std::string user_id = required_string(body, "user_id");
        auto& db = s.base.db;
        auto find = [&db, user_id] { return db.find_user(user_id); };
        auto op = s.base.pool.run(std::move(find));
        auto target = co_await std::move(op);
        if (!target) throw ApiError(Status::not_found, "user_not_found", "no user with that id");
        co_await apply_change(s, owned.record.id, {.owner_id = user_id});
        co_return http::json_response(ctx.request, Status::ok, Json{{"id", owned.record.id}, {"owner_id", user_id}});
      });
}

}  // namespace swirl::api
