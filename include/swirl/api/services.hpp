#pragma once
// What request handlers may use: the configuration, the blocking pool, the database and the
// token cache in front of its users table.
// Owned by App; handlers hold references for the server's lifetime.

#include "swirl/core/blocking_pool.hpp"
#include "swirl/core/config.hpp"
#include "swirl/auth/token_cache.hpp"
#include "swirl/storage/database.hpp"

namespace swirl::api {

struct Services {
  const core::Config& config;
  core::BlockingPool& pool;
  storage::Database& db;
  auth::TokenCache& tokens;
};

}  // namespace swirl::api
