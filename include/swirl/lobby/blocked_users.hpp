#pragma once
// Who takes part in any block, either way (the user_blocks table), kept in memory on a single
// node: a member who has none — nearly everyone — is matched at their first ready without a
// database read for their blocks (LobbyServer::load_blocks). A block stored by this server is
// added before it is written, so the index never misses one; ids stay after an account is deleted
// (they only cost a read). With --cluster another node may store a block, so the index is not
// exact there and everyone's blocks are read. Thread-safe.

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace swirl::lobby {

class BlockedUsers {
 public:
  // exact: every block is stored through this server (a single node).
  explicit BlockedUsers(bool exact) : exact_(exact) {}

  // At start: every user id in user_blocks (Database::users_with_blocks).
  void load(const std::vector<std::string>& user_ids);
  // A block about to be stored.
  void add(const std::string& blocker, const std::string& blocked);
  // False only when the user certainly has no block.
  bool may_have_blocks(const std::string& user_id) const;
  std::size_t size() const;

 private:
  const bool exact_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> users_;
};

}  // namespace swirl::lobby
