#pragma once
// What request handlers may use: the configuration, the blocking pool and the database.
// Owned by App; handlers hold references for the server's lifetime.

#include "swirl/app/blocking_pool.hpp"
#include "swirl/app/config.hpp"
#include "swirl/storage/database.hpp"

namespace swirl {

struct Services {
  const Config& config;
  BlockingPool& pool;
  storage::Database& db;
};

}  // namespace swirl
