#pragma once
// What request handlers may use: the configuration, the blocking pool, the database, the
// token cache in front of its users table and the abuse limits.
// Owned by App; handlers hold references for the server's lifetime.

#include "swirl/auth/token_cache.hpp"
#include "swirl/core/blocking_pool.hpp"
#include "swirl/core/config.hpp"
#include "swirl/http/abuse_guard.hpp"
#include "swirl/storage/database.hpp"
#include "swirl/storage/history_writer.hpp"

namespace swirl::api {

class UserSessions;

struct Services {
  const core::Config& config;
  core::BlockingPool& pool;
  storage::Database& db;
  auth::TokenCache& tokens;
  http::AbuseGuard& abuse;          // per-address limits, WebSocket caps and Origin policy
  UserSessions& sessions;           // each user's open WebSockets (sign out everywhere, delete account)
  storage::HistoryWriter& history;  // account deletion goes through it, in order with the history
};

}  // namespace swirl::api
