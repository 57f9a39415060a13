#pragma once
// LeaseStore: the lobby_leases table (migration 0007) through one PostgreSQL connection of its
// own, so renewing leases never waits behind the request pool. Expiry is always computed with
// the database's clock (now() + ttl), never a node's. Every method blocks: LeaseKeeper calls
// them on its own single thread, which also keeps them in the order they were asked for.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace swirl::cluster {

// What acquire() found: granted, or held by another node for `remaining` more (database time).
struct LeaseGrant {
  bool granted = false;
  std::string holder;                     // the node holding it when not granted
  std::chrono::milliseconds remaining{};  // until that lease expires, by the database's clock
};

class LeaseStore {
 public:
  LeaseStore(std::string database_url, std::chrono::milliseconds ttl);
  ~LeaseStore();
  LeaseStore(const LeaseStore&) = delete;
  LeaseStore& operator=(const LeaseStore&) = delete;

  // Takes the lease when it is free, expired, or already ours (an atomic upsert), for ttl.
  LeaseGrant acquire(const std::string& lobby_id, const std::string& node_id);
  // Extends the node's unexpired leases on these lobbies by ttl; returns the lobbies renewed
  // (one missing from it is lost: it expired or another node holds it now).
  std::vector<std::string> renew(const std::string& node_id, const std::vector<std::string>& lobby_ids);
  void release(const std::string& lobby_id, const std::string& node_id);
  std::size_t release_all(const std::string& node_id);
  // The live lease on a lobby held by a node other than node_id, if any.
  LeaseGrant holder_other_than(const std::string& lobby_id, const std::string& node_id);

 private:
  template <class F>
  auto with_connection(F&& fn);

  std::string url_;
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  struct Connection;  // the pqxx connection (libpqxx stays out of this header)
  std::unique_ptr<Connection> conn_;
};

// The URL with libpq settings that make a dead database show quickly on the lease connection.
std::string lease_connection_url(const std::string& database_url, std::chrono::milliseconds ttl);

}  // namespace swirl::cluster
