#include "swirl/api/user_sessions.hpp"

#include <vector>

namespace swirl::api {

namespace {

// Unregisters its connection when the session that holds it goes.
struct Registration {
  Registration(std::weak_ptr<UserSessions> o, std::string u, std::uint64_t i)
      : owner(std::move(o)), user_id(std::move(u)), id(i) {}
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration();

  std::weak_ptr<UserSessions> owner;
  std::string user_id;
  std::uint64_t id;
};

Registration::~Registration() {
  if (auto self = owner.lock()) self->remove(user_id, id);
}

}  // namespace

std::shared_ptr<void> UserSessions::add(const std::string& user_id, std::weak_ptr<lobby::Mailbox> session) {
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = ++next_id_;
    by_user_[user_id].emplace(id, std::move(session));
  }
  return std::make_shared<Registration>(weak_from_this(), user_id, id);
}

void UserSessions::remove(const std::string& user_id, std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = by_user_.find(user_id);
  if (it == by_user_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) by_user_.erase(it);
}

std::size_t UserSessions::close_all(const std::string& user_id, std::uint16_t code, const std::string& reason) {
  std::vector<std::shared_ptr<lobby::Mailbox>> open;
  {
    std::lock_guard lock(mu_);
    auto it = by_user_.find(user_id);
    if (it == by_user_.end()) return 0;
    for (auto& [id, weak] : it->second)
      if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  // Outside the lock: close() posts to the session's strand, and a session destroyed as a
  // result unregisters itself (remove() takes the lock).
  for (auto& s : open) s->close(code, reason);
  return open.size();
}

std::size_t UserSessions::size() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [user, sessions] : by_user_) n += sessions.size();
  return n;
}

}  // namespace swirl::api
