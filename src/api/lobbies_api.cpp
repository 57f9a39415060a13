#include "swirl/api/lobbies_api.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/beast/http.hpp>

#include "swirl/api/lobby_admission.hpp"
#include "swirl/api/user_sessions.hpp"
#include "swirl/api/users_api.hpp"
#include "swirl/auth/tokens.hpp"
#include "swirl/core/clock.hpp"
#include "swirl/core/random.hpp"
#include "swirl/http/errors.hpp"
#include "swirl/lobby/member_socket.hpp"
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

asio::awaitable<void> upgrade(LobbyServices& s, http::Stream stream, http::Request req, std::string leftover,
                              std::string client) {
  std::optional<http::Response> refusal;
  Admitted admitted;
  if (auto bad = ws::check_handshake(req)) refusal = std::move(*bad);
  if (!refusal) try {
      admitted = co_await admit_websocket(s, req, client);
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
  // Give the bare socket to the session: it keeps no HTTP or Beast state. The socket moves over
  // as it is, still registered with the reactor (net/socket.hpp); its handlers are bound to the
  // session's strand, later the lobby's. The 101 goes with it, unsent: the session writes it
  // in one sendmsg with the welcome (and the lobby's snapshot) when the lobby has taken the
  // join, so the client is woken once, not three times.
  std::string accept = ws::accept_response(req, ws::offers_subprotocol(req, "swirl.v1") ? "swirl.v1" : "");
  const std::string& lobby_id = admitted.lobby_id;
  const storage::User& user = admitted.user;
  // Who may be banned from the lobby: queued before the member is in, written behind with the
  // history (storage/history_writer.hpp).
  if (admitted.new_member) s.base.history.add_join(lobby_id, user.id, core::now_ms());
  auto connection = std::make_shared<ws::WsSession>(stream.release_socket(), s.base.config, s.ws_counters,
                                                    std::move(leftover), std::move(accept));
  auto member = std::make_shared<lobby::MemberSocket>(connection, user.id);
  // Held by the connection until it is gone: its place in the abuse limits, and its entry in the
  // user's open sockets (closed by sign out everywhere and account deletion).
  connection->hold_until_closed(std::move(admitted.abuse_slot), s.base.sessions.add(user.id, member));
  member->join(*s.supervisor, lobby_id, user.display_name);
}

}  // namespace

asio::awaitable<void> handle_ws_upgrade(LobbyServices& s, http::Stream stream, http::Request request,
                                        std::string leftover, std::string client) {
  // Runs in the HTTP connection's coroutine, on its strand (where Beast's timeout handlers run):
  // no coroutine and strand of its own, so no extra round through the scheduler.
  try {
    co_await upgrade(s, std::move(stream), std::move(request), std::move(leftover), std::move(client));
  } catch (const std::exception& e) {
    spdlog::error("websocket upgrade ended by exception: {}", e.what());
  }
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

  router.add(
      http::bhttp::verb::get, "/api/lobbies/{id}", [&s](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        const std::string id = ctx.param("id");
        if (!valid_lobby_id(id)) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
        // Public, but a caller who sends a valid token learns whether they may join: browsers
        // cannot read why a WebSocket upgrade was refused, so the client asks here.
        std::string caller;
        if (auto header = ctx.request[http::bhttp::field::authorization]; !header.empty())
          if (auto token = auth::bearer_token(header)) caller = (co_await authenticate_token(s.base, *token)).id;
        auto facts = co_await lobby_facts(s, id, caller, false);
        if (!facts.record) throw ApiError(Status::not_found, "lobby_not_found", "no such lobby");
        // Only a ban is told here; a closed, locked or full lobby shows in the answer itself.
        if (auto now = core::now_ms(); facts.entry.banned_until && *facts.entry.banned_until > now)
          throw entry_refusal(lobby::Entry::banned, facts.entry, now);
        co_return http::json_response(ctx.request, Status::ok, lobby_public_json(*facts.record, facts.entry.members));
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
