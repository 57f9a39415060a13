#include "swirl/api/lobbies_api.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "swirl/api/user_sessions.hpp"
#include "swirl/api/users_api.hpp"
#include "swirl/auth/tokens.hpp"
#include "swirl/core/clock.hpp"
#include "swirl/core/random.hpp"
#include "swirl/http/errors.hpp"
#include "swirl/http/header_tokens.hpp"
#include "swirl/lobby/ban_message.hpp"
#include "swirl/users/display_name.hpp"
#include "swirl/ws/handshake.hpp"

namespace swirl::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
using http::ApiError;
using http::Json;
using http::Status;

namespace {

constexpr std::size_t kLobbyIdBytes = 12;  // 96 random bits: the invite link is the capability

bool valid_lobby_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::string invite_url(const core::Config& config, const http::Request& req, const std::string& id) {
  std::string base = config.public_url;
  if (base.empty()) {
    auto host = req[http::bhttp::field::host];
    base = "http://" + std::string(host.empty() ? "localhost" : host);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/l/" + id;
}

Json lobby_public_json(const storage::LobbyRecord& l, std::size_t member_count) {
  return Json{{"id", l.id},
              {"name", l.name},
              {"status", storage::to_string(l.status)},
              {"member_count", member_count},
              {"settings", l.settings.to_json()},
              {"created_at", core::iso8601(l.created_at_ms)}};
}

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

struct Admission {
  std::optional<storage::LobbyRecord> record;
  std::optional<std::int64_t> banned_until;
  bool live = false;
  bool already_member = false;
  std::size_t members = 0;
};

// What we know of a lobby: from its live actor when there is one (record, members and bans
// are in its memory, so no database call), else from the database. With `spawn` (a WebSocket
// upgrade, which joins right after), a lobby without an actor is started first, so the load the
// join needs anyway answers admission too.
asio::awaitable<Admission> admission(LobbyServices& s, const std::string& lobby_id, const std::string& user_id,
                                     bool spawn) {
  auto probe = [user_id](lobby::LobbyServer& l) {
    Admission a;
    a.record = l.record();
    a.live = true;
    a.members = l.member_count();
    a.already_member = l.has_member(user_id);
    if (!user_id.empty()) a.banned_until = l.banned_until(user_id);
    return a;
  };
  auto live =
      spawn ? co_await s.supervisor->ask_spawning(lobby_id, probe) : co_await s.supervisor->ask(lobby_id, probe);
  if (live) co_return *live;
  // No actor (or it could not be started: unknown, closed, or the database failed): the
  // database says which.
  auto& db = s.base.db;
  auto job = [&db, lobby_id, user_id] {
    Admission a;
    a.record = db.find_lobby(lobby_id);
    if (a.record && !user_id.empty()) a.banned_until = db.banned_until(lobby_id, user_id);
    return a;
  };
  auto op = s.base.pool.run(std::move(job));
  co_return co_await std::move(op);
}

asio::awaitable<void> upgrade(LobbyServices& s, http::Stream stream, http::Request req, std::string leftover,
                              std::string client) {
  std::optional<http::Response> refusal;
  std::vector<std::string> segments;
  std::string lobby_id;
  storage::User user;
  bool new_member = false;
  std::shared_ptr<void> abuse_slot;  // counts this connection against its address until it ends
  if (auto bad = ws::check_handshake(req)) refusal = std::move(*bad);
  if (!refusal) try {
      abuse_slot = s.base.abuse.admit_websocket(req, client);
      if (!http::split_path(req.target(), segments) || segments.size() != 4 || segments[0] != "api" ||
          segments[1] != "lobbies" || segments[3] != "ws")
        throw ApiError(Status::not_found, "not_found", "no WebSocket endpoint here");
      lobby_id = segments[2];
      if (!valid_lobby_id(lobby_id)) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
      auto token = ws_token(req);
      if (!token)
        throw ApiError(Status::unauthorized, "missing_token",
                       "pass the token as the subprotocol swirl.token.<TOKEN> or an Authorization: Bearer header");
      user = co_await authenticate_token(s.base, *token);
      auto a = co_await admission(s, lobby_id, user.id, true);
      if (!a.record) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
      if (a.record->status == storage::LobbyStatus::closed)
        throw ApiError(Status::conflict, "lobby_closed", "this lobby has been closed by its owner");
      if (auto now = core::now_ms(); a.banned_until && *a.banned_until > now)
        throw ApiError(Status::forbidden, "banned", lobby::banned_message(*a.banned_until, now));
      if (a.record->status == storage::LobbyStatus::locked && !a.already_member)
        throw ApiError(Status::locked, "lobby_locked", "this lobby is locked: no new members for now");
      if (!a.already_member && static_cast<int>(a.members) >= a.record->settings.max_members)
        throw ApiError(Status::conflict, "lobby_full", "this lobby is full");
      new_member = !a.already_member;
    } catch (...) {
      auto error = http::current_error("websocket upgrade");
      refusal = http::error_reply_response(req.version(), false, error);
    }
  if (refusal) {
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(10));
    spdlog::info("GET {} {} (upgrade refused)", std::string(req.target().substr(0, req.target().find('?'))),
                 refusal->result_int());
    co_await beast::async_write(stream, http::bhttp::message_generator(std::move(*refusal)),
                                asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    co_return;
  }
  // Complete the handshake here, then give the bare socket to the session: it keeps no HTTP
  // or Beast state. The socket moves over as it is, still registered with the reactor
  // (net/socket.hpp); its handlers are bound to the session's strand, later the lobby's.
  beast::error_code ec;
  std::string accept = ws::accept_response(req, ws::offers_subprotocol(req, "swirl.v1") ? "swirl.v1" : "");
  stream.expires_after(s.base.config.ws_hello_timeout);
  co_await asio::async_write(stream, asio::buffer(accept), asio::redirect_error(asio::use_awaitable, ec));
  stream.expires_never();
  if (ec) co_return;
  // Who may be banned from the lobby: queued before the member is in, written behind with the
  // history (storage/history_writer.hpp).
  if (new_member) s.base.history.add_join(lobby_id, user.id, core::now_ms());
  auto session = std::make_shared<ws::WsSession>(stream.release_socket(), s.base.config, s.ws_counters, user.id,
                                                 std::move(leftover));
  // Held by the session until it is gone: its place in the abuse limits, and its entry in the
  // user's open sockets (closed by sign out everywhere and account deletion).
  session->hold_until_closed(std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<void>>>(
      std::move(abuse_slot), s.base.sessions.add(user.id, session)));
  session->run(s.supervisor, lobby_id, user.display_name);
}

}  // namespace

void handle_ws_upgrade(LobbyServices& s, http::Stream stream, http::Request request, std::string leftover,
                       std::string client) {
  // A strand: Beast's timeout handlers run on the coroutine's executor (http_server.cpp).
  auto ex = asio::make_strand(stream.get_executor());
  asio::co_spawn(ex, upgrade(s, std::move(stream), std::move(request), std::move(leftover), std::move(client)),
                 [](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex2) {
                     spdlog::error("websocket upgrade ended by exception: {}", ex2.what());
                   }
                 });
}

void register_lobby_routes(http::Router& router, LobbyServices& s) {
  router.add(
      http::bhttp::verb::post, "/api/lobbies", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto user = co_await authenticate(s.base, ctx.request);
        s.base.abuse.take(http::LimitKind::lobby_creation, ctx.remote_address);
        Json body = http::parse_json_object(ctx.request);
        auto name_it = body.find("name");
        if (name_it == body.end() || !name_it->is_string())
          throw ApiError(Status::bad_request, "invalid_name", "name is required and must be a string");
        auto name = users::validate_display_name(name_it->get_ref<const std::string&>());
        if (auto* err = std::get_if<users::NameError>(&name)) {
          std::string msg = err->message;
          msg.replace(0, std::string("display_name").size(), "name");
          throw ApiError(Status::bad_request, "invalid_name", msg);
        }
        storage::LobbySettings settings;
        settings.idle_shutdown_seconds = static_cast<int>(
            std::chrono::duration_cast<std::chrono::seconds>(s.base.config.lobby_idle_shutdown).count());
        if (auto it = body.find("settings"); it != body.end()) {
          auto applied = storage::apply_settings(settings, *it);
          if (auto* err = std::get_if<storage::SettingsError>(&applied))
            throw ApiError(Status::bad_request, "invalid_settings", "settings." + err->field + ": " + err->message);
          settings = std::get<storage::LobbySettings>(applied);
        }
        for (auto it = body.begin(); it != body.end(); ++it)
          if (it.key() != "name" && it.key() != "settings")
            throw ApiError(Status::bad_request, "invalid_field", "unknown field '" + it.key() + "'");
        storage::LobbyRecord record;
        record.id = core::new_id(kLobbyIdBytes);
        record.name = std::get<std::string>(name);
        record.owner_id = user.id;
        record.settings = settings;
        record.created_at_ms = core::now_ms();
        auto& db = s.base.db;
        auto job = [&db, record] { db.create_lobby(record); };
        auto op = s.base.pool.run(std::move(job));
        co_await std::move(op);
        Json out = lobby_public_json(record, 0);
        out["owner_id"] = user.id;
        out["invite_url"] = invite_url(s.base.config, ctx.request, record.id);
        co_return http::json_response(ctx.request, Status::created, out);
      });

  router.add(http::bhttp::verb::get, "/api/lobbies/{id}",
             [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               const std::string id = ctx.param("id");
               if (!valid_lobby_id(id)) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
               // Public, but a caller who sends a valid token learns whether they may join: browsers
               // cannot read why a WebSocket upgrade was refused, so the client asks here.
               std::string caller;
               if (auto header = ctx.request[http::bhttp::field::authorization]; !header.empty())
                 if (auto token = auth::bearer_token(header)) caller = (co_await authenticate_token(s.base, *token)).id;
               auto a = co_await admission(s, id, caller, false);
               if (!a.record) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
               if (auto now = core::now_ms(); a.banned_until && *a.banned_until > now)
                 throw ApiError(Status::forbidden, "banned", lobby::banned_message(*a.banned_until, now));
               co_return http::json_response(ctx.request, Status::ok, lobby_public_json(*a.record, a.members));
             });

#ifdef SWIRL_TEST_HOOKS
  if (s.base.config.test_hooks) {
    // Fault injection for the isolation tests: the lobby's next handler throws.
    router.add(http::bhttp::verb::post, "/api/test/lobbies/{id}/fault",
               [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
                 bool live = co_await s.supervisor->inject_fault(ctx.param("id"));
                 if (!live) throw ApiError(Status::not_found, "lobby_not_live", "the lobby has no live actor");
                 co_return http::json_response(ctx.request, Status::ok, Json{{"injected", true}});
               });
  }
#endif
}

}  // namespace swirl::api
