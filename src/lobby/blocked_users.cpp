#include "swirl/lobby/blocked_users.hpp"

namespace swirl::lobby {

void BlockedUsers::load(const std::vector<std::string>& user_ids) {
  std::lock_guard lock(mu_);
  users_.insert(user_ids.begin(), user_ids.end());
}

void BlockedUsers::add(const std::string& blocker, const std::string& blocked) {
  std::lock_guard lock(mu_);
  users_.insert(blocker);
  users_.insert(blocked);
}

bool BlockedUsers::may_have_blocks(const std::string& user_id) const {
  if (!exact_) return true;
  std::lock_guard lock(mu_);
  return users_.contains(user_id);
}

std::size_t BlockedUsers::size() const {
  std::lock_guard lock(mu_);
  return users_.size();
}

}  // namespace swirl::lobby
