#include "swirl/auth/token_cache.hpp"

#include "swirl/auth/tokens.hpp"

#include <algorithm>

namespace swirl::auth {

TokenCache::TokenCache(std::chrono::milliseconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}

TokenCache::Lookup TokenCache::find(const std::string& token_hash) {
  std::lock_guard lock(mu_);
  Lookup out;
  out.generation = generation_;
  if (!enabled()) return out;
  auto it = by_hash_.find(token_hash);
  // The map finds the entry by the SHA-256 of the token (a timing difference there says
  // something about a hash, nothing about a token); the hit itself is confirmed in constant time.
  if (it == by_hash_.end() || !constant_time_equal(it->second->token_hash, token_hash)) {
    ++misses_;
    return out;
  }
  if (it->second->expires <= Clock::now()) {
    erase(it->second);
    ++misses_;
    return out;
  }
  ++hits_;
  out.user = it->second->user;
  return out;
}

void TokenCache::put(const std::string& token_hash, const storage::User& user, std::uint64_t generation) {
  std::lock_guard lock(mu_);
  if (!enabled() || generation != generation_) return;
  insert(token_hash, user);
}

void TokenCache::put_created(const std::string& token_hash, const storage::User& user) {
  std::lock_guard lock(mu_);
  if (!enabled()) return;
  insert(token_hash, user);
}

std::size_t TokenCache::preload(const std::vector<std::pair<std::string, storage::User>>& newest_first) {
  std::lock_guard lock(mu_);
  if (!enabled()) return 0;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) insert(it->first, it->second);
  return entries_.size();
}

void TokenCache::insert(const std::string& token_hash, const storage::User& user) {
  auto now = Clock::now();
  if (auto it = by_hash_.find(token_hash); it != by_hash_.end()) erase(it->second);
  if (auto it = by_user_.find(user.id); it != by_user_.end()) erase(it->second);  // one token per user
  while (!entries_.empty() && (entries_.size() >= capacity_ || entries_.front().expires <= now))
    erase(entries_.begin());
  entries_.push_back(Entry{token_hash, user, now + ttl_});
  auto last = std::prev(entries_.end());
  by_hash_.emplace(last->token_hash, last);
  by_user_.emplace(last->user.id, last);
}

void TokenCache::forget_user(const std::string& user_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  if (auto it = by_user_.find(user_id); it != by_user_.end()) erase(it->second);
}

void TokenCache::mark_seen(const std::string& user_id, std::int64_t at_ms) {
  std::lock_guard lock(mu_);
  if (auto it = by_user_.find(user_id); it != by_user_.end())
    it->second->user.last_seen_at_ms = std::max(it->second->user.last_seen_at_ms, at_ms);
}

std::size_t TokenCache::purge_expired() {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  std::size_t n = 0;
  for (; !entries_.empty() && entries_.front().expires <= now; ++n) erase(entries_.begin());
  if (entries_.empty()) {
    // The tables' bucket arrays keep the size of the busiest moment: start again small.
    decltype(by_hash_)().swap(by_hash_);
    decltype(by_user_)().swap(by_user_);
  }
  return n;
}

void TokenCache::erase(std::list<Entry>::iterator it) {
  by_hash_.erase(std::string_view(it->token_hash));
  by_user_.erase(std::string_view(it->user.id));
  entries_.erase(it);
}

std::size_t TokenCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::uint64_t TokenCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

std::uint64_t TokenCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

}  // namespace swirl::auth
