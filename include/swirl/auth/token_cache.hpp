#pragma once
// Token hash -> user, so that an authenticated call (a WebSocket upgrade above all: a join storm
// is thousands of them a second) needs no database round trip. A user created by this server is
// put in at creation (put_created); on a single node, App also fills the cache at start with the
// users seen most recently (App::preload_tokens), so a restart during an event does not turn
// every reconnect into a database read.
//
// Bounded in time and size: an entry is used for at most `ttl` after it was loaded (on a single
// node, where every change to a user goes through this server, an hour; with --cluster, where
// another node may revoke a token, 5 s), and at most `capacity` entries are kept (the oldest go
// first; about 370 bytes each). Only users that exist are cached: an unknown token always asks
// the database. Staleness is bounded as follows:
//   * a change made through the API (PATCH /api/me) calls forget_user() and is seen at once,
//     including by a lookup that was already on its way to the database (the generation
//     check in put());
//   * a change made behind the server's back (a user row deleted or a token hash replaced in
//     the database by hand) is seen within `ttl`.
// Sign out everywhere (POST /api/me/sign-out-everywhere) and account deletion (DELETE /api/me)
// call forget_user() after their database change, so a revoked token is refused at once. All
// methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "swirl/storage/database.hpp"

namespace swirl::auth {

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;

  TokenCache(std::chrono::milliseconds ttl, std::size_t capacity);

  struct Lookup {
    std::optional<storage::User> user;  // empty on a miss
    std::uint64_t generation = 0;       // pass to put() after loading the user yourself
  };
  Lookup find(const std::string& token_hash);
  // Remembers a user just read from the database, unless forget_user() ran since the find()
  // that returned `generation` (the read may predate that change).
  void put(const std::string& token_hash, const storage::User& user, std::uint64_t generation);
  // Remembers a user this server has just created (POST /api/users), before its token is handed
  // out: its first authenticated call (a WebSocket upgrade, say) then needs no database read.
  // No generation to check: nothing can have revoked a token nobody has seen yet. The entry
  // ages like any other (ttl, capacity).
  void put_created(const std::string& token_hash, const storage::User& user);
  // Fills the cache at start, before any call is served, from Database::recent_users (newest
  // first): the newest users are the last to be pushed out. Returns how many it holds then.
  std::size_t preload(const std::vector<std::pair<std::string, storage::User>>& newest_first);
  // The user changed (renamed, token revoked, deleted): drop it now.
  void forget_user(const std::string& user_id);
  // The user was just seen (its last_seen_at written behind, api/users_api.cpp): the cached copy
  // says so too, so the next call does not write it again within the minute.
  void mark_seen(const std::string& user_id, std::int64_t at_ms);
  // Drops every entry past its time (put() does so as it goes; this is for quiet spells).
  // Returns how many went.
  std::size_t purge_expired();

  bool enabled() const { return ttl_.count() > 0 && capacity_ > 0; }
  std::size_t size() const;
  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  struct Entry {
    std::string token_hash;
    storage::User user;
    Clock::time_point expires;
  };
  void erase(std::list<Entry>::iterator it);                              // with mu_ held
  void insert(const std::string& token_hash, const storage::User& user);  // with mu_ held

  const std::chrono::milliseconds ttl_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // oldest first: with one ttl for all, also soonest to expire first
  // Keyed by views of the entry's own strings (a list node never moves): no second copy.
  std::unordered_map<std::string_view, std::list<Entry>::iterator> by_hash_;
  std::unordered_map<std::string_view, std::list<Entry>::iterator> by_user_;
  std::uint64_t generation_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace swirl::auth
