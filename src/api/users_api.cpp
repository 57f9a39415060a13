#include "swirl/api/users_api.hpp"

#include <ctime>

#include <spdlog/spdlog.h>

#include "swirl/api/user_sessions.hpp"
#include "swirl/auth/tokens.hpp"
#include "swirl/core/clock.hpp"
#include "swirl/core/random.hpp"
#include "swirl/users/display_name.hpp"

namespace swirl::api {
namespace {

using http::ApiError;
using http::Json;
using http::Status;

constexpr std::int64_t kLastSeenResolutionMs = 60'000;  // write last_seen_at at most once a minute
constexpr int kIdAttempts = 3;                          // retries on a (vanishingly rare) id collision

std::string required_display_name(const Json& body) {
  auto it = body.find("display_name");
  if (it == body.end()) throw ApiError(Status::bad_request, "invalid_display_name", "display_name is required");
  if (!it->is_string()) throw ApiError(Status::bad_request, "invalid_display_name", "display_name must be a string");
  auto result = users::validate_display_name(it->get_ref<const std::string&>());
  if (auto* err = std::get_if<users::NameError>(&result))
    throw ApiError(Status::bad_request, "invalid_display_name", err->message);
  return std::get<std::string>(result);
}

ApiError unauthorized(const std::string& code, const std::string& message) {
  return ApiError(Status::unauthorized, code, message);
}

}  // namespace

Json user_json(const storage::User& u) {
  return Json{{"id", u.id},
              {"display_name", u.display_name},
              {"created_at", core::iso8601(u.created_at_ms)},
              {"last_seen_at", core::iso8601(u.last_seen_at_ms)}};
}

boost::asio::awaitable<storage::User> authenticate_token(Services& services, const std::string& token) {
  if (!auth::looks_like_token(token)) throw unauthorized("invalid_token", "the bearer token is not valid");
  std::string hash = auth::sha256_hex(token);
  auto cached = services.tokens.find(hash);
  if (cached.user) {
    // last_seen_at is due for its once-a-minute update: written behind with the history, in
    // the next batch (storage/history_writer.hpp), instead of a database trip now.
    if (auto now = core::now_ms(); now - cached.user->last_seen_at_ms >= kLastSeenResolutionMs) {
      services.history.add_seen(cached.user->id, now);
      services.tokens.mark_seen(cached.user->id, now);
      cached.user->last_seen_at_ms = now;
    }
    co_return std::move(*cached.user);
  }
  auto& db = services.db;
  auto user = co_await services.pool.run([&db, hash] { return db.find_user_by_token_hash(hash); });
  if (!user) throw unauthorized("invalid_token", "the bearer token is not valid");
  // Written behind as on a hit: a miss (a token the cache no longer holds, a restart, a cluster
  // node's short TTL) costs one read, not a read and a write transaction.
  if (auto now = core::now_ms(); now - user->last_seen_at_ms >= kLastSeenResolutionMs) {
    services.history.add_seen(user->id, now);
    user->last_seen_at_ms = now;
  }
  services.tokens.put(hash, *user, cached.generation);
  co_return *user;
}

boost::asio::awaitable<storage::User> authenticate(Services& services, const http::Request& req) {
  auto header = req[http::bhttp::field::authorization];
  if (header.empty()) throw unauthorized("missing_token", "this endpoint needs an Authorization: Bearer TOKEN header");
  auto token = auth::bearer_token(header);
  if (!token) throw unauthorized("invalid_token", "the Authorization header must be 'Bearer TOKEN'");
  co_return co_await authenticate_token(services, *token);
}

void register_user_routes(http::Router& router, Services& s) {
  router.add(http::bhttp::verb::post, "/api/users",
             [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
               s.abuse.take(http::LimitKind::user_creation, ctx.remote_address);
               Json body = http::parse_json_object(ctx.request);
               std::string name = required_display_name(body);
               std::string token = auth::new_token();
               std::string hash = auth::sha256_hex(token);
               auto& db = s.db;
               auto user = co_await s.pool.run([&db, name, hash] {
                 for (int attempt = 1;; ++attempt) {
                   auto now = core::now_ms();
                   storage::User u{core::new_id(), name, now, now};
                   try {
                     db.create_user(u, hash);
                     return u;
                   } catch (const storage::Conflict&) {
                     if (attempt == kIdAttempts) throw;
                   }
                 }
               });
               // Write-through: the new user's first authenticated call (typically its WebSocket
               // upgrade) is answered from the cache, without a database round trip. Revocation
               // is unchanged: sign out everywhere and account deletion call forget_user().
               s.tokens.put_created(hash, user);
               Json out = user_json(user);
               out["token"] = token;
               co_return http::json_response(ctx.request, Status::created, out);
             });

  router.add(http::bhttp::verb::get, "/api/me",
             [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
               auto user = co_await authenticate(s, ctx.request);
               co_return http::json_response(ctx.request, Status::ok, user_json(user));
             });

  // Sign out everywhere: the user's token is replaced, so every copy of the old one (other
  // browsers, a leaked one) stops working at once, and their open WebSockets close with 4001.
  // The caller gets the one new token.
  router.add(http::bhttp::verb::post, "/api/me/sign-out-everywhere",
             [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
               auto user = co_await authenticate(s, ctx.request);
               std::string token = auth::new_token();
               auto& db = s.db;
               auto replaced = co_await s.pool.run(
                   [&db, id = user.id, hash = auth::sha256_hex(token)] { return db.replace_token_hash(id, hash); });
               // After the database: a lookup already on its way cannot cache the old token again (the
               // cache's generation check), and one that starts now finds the new hash only.
               s.tokens.forget_user(user.id);
               if (!replaced) throw unauthorized("invalid_token", "the bearer token is not valid");
               auto closed = s.sessions.close_all(user.id, kCloseSignedOut, "signed out");
               spdlog::info("user {} signed out everywhere ({} WebSocket(s) closed)", user.id, closed);
               Json out = user_json(user);
               out["token"] = token;
               co_return http::json_response(ctx.request, Status::ok, out);
             });

  // Delete account: the user row and token go, the match history keeps the user's pairs under
  // an anonymous id (no-repeat matching still holds), open WebSockets close with 4002.
  router.add(
      http::bhttp::verb::delete_, "/api/me", [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
        auto user = co_await authenticate(s, ctx.request);
        auto* history = &s.history;
        auto result = co_await s.pool.run(
            [history, id = user.id, anon = core::new_id()] { return history->delete_user(id, anon, core::now_ms()); });
        s.tokens.forget_user(user.id);
        if (result == storage::Database::DeleteUser::not_found)
          throw unauthorized("invalid_token", "the bearer token is not valid");
        if (result == storage::Database::DeleteUser::owns_open_lobbies)
          throw ApiError(Status::conflict, "owns_open_lobbies",
                         "you own lobbies that are not closed: close them or transfer them first");
        auto closed = s.sessions.close_all(user.id, kCloseAccountDeleted, "account deleted");
        spdlog::info("user {} deleted their account ({} WebSocket(s) closed)", user.id, closed);
        http::Response res{Status::no_content, ctx.request.version()};
        res.keep_alive(ctx.request.keep_alive());
        res.prepare_payload();
        co_return res;
      });

  router.add(http::bhttp::verb::patch, "/api/me",
             [&s](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
               auto user = co_await authenticate(s, ctx.request);
               Json body = http::parse_json_object(ctx.request);
               std::string name = required_display_name(body);
               auto& db = s.db;
               auto id = user.id;
               auto updated = co_await s.pool.run([&db, id, name] { return db.rename_user(id, name); });
               s.tokens.forget_user(id);  // the next call, a WebSocket join included, sees the new name
               if (!updated) throw unauthorized("invalid_token", "the bearer token is not valid");
               co_return http::json_response(ctx.request, Status::ok, user_json(*updated));
             });
}

}  // namespace swirl::api
