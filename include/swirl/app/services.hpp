#pragma once
// What request handlers may use: the configuration, the blocking pool, the database and the
// token cache in front of its users table.
// Owned by App; handlers hold references for the server's lifetime.

#include "swirl/app/blocking_pool.hpp"
#include "swirl/app/config.hpp"
#include "swirl/auth/token_cache.hpp"
#include "swirl/storage/database.hpp"

namespace swirl {

struct Services {
  const Config& config;
  BlockingPool& pool;
  storage::Database& db;
  auth::TokenCache& tokens;
};

}  // namespace swirl
