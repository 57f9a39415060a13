#include "swirl/api/user_sessions.hpp"

#include <vector>

namespace swirl::api {

// One registered connection: allocated once, and indexed by a view of its own user id, so the
// table costs one node per connection and no second copy of the id (idle memory per connection
// counts: docs/benchmarks.md).
struct UserSessions::Registration {
  Registration(std::weak_ptr<UserSessions> o, const std::string& u, std::weak_ptr<lobby::Mailbox> s)
      : owner(std::move(o)), user_id(u), session(std::move(s)) {}
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  // Unregisters its connection when the session that holds it goes.
  ~Registration() {
    if (auto self = owner.lock()) self->remove(this);
  }

  std::weak_ptr<UserSessions> owner;
  std::string user_id;
  std::weak_ptr<lobby::Mailbox> session;
};

std::shared_ptr<void> UserSessions::add(const std::string& user_id, std::weak_ptr<lobby::Mailbox> session) {
  auto registration = std::make_shared<Registration>(weak_from_this(), user_id, std::move(session));
  std::lock_guard lock(mu_);
  by_user_.emplace(registration->user_id, registration.get());
  return registration;
}

void UserSessions::remove(const Registration* registration) {
  std::lock_guard lock(mu_);
  auto [first, last] = by_user_.equal_range(registration->user_id);
  for (auto it = first; it != last; ++it)
    if (it->second == registration) {
      by_user_.erase(it);
      break;
    }
  if (by_user_.empty()) decltype(by_user_)().swap(by_user_);  // the bucket array of the busiest moment goes too
}

std::size_t UserSessions::close_all(const std::string& user_id, std::uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<lobby::Mailbox>> open;
  {
    std::lock_guard lock(mu_);
    auto [first, last] = by_user_.equal_range(user_id);
    for (auto it = first; it != last; ++it)
      if (auto s = it->second->session.lock()) open.push_back(std::move(s));
  }
  // Outside the lock: close() posts to the session's strand, and a session destroyed as a
  // result unregisters itself (remove() takes the lock).
  for (auto& s : open) s->close(code, reason);
  return open.size();
}

std::size_t UserSessions::size() const {
  std::lock_guard lock(mu_);
  return by_user_.size();
}

}  // namespace swirl::api
