#pragma once
// The open lobby WebSockets of each user, so that signing out everywhere and deleting an
// account can close them at once (close codes 4001 and 4002, docs/protocol.md). A connection
// is registered by the upgrade once its session exists and unregistered when the session is
// destroyed (the registration is held by the session): the table only ever holds live
// connections. Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "swirl/lobby/mailbox.hpp"

namespace swirl::api {

// Close codes for a user's sockets closed by an account action.
inline constexpr std::uint16_t kCloseSignedOut = 4001;       // "signed out"
inline constexpr std::uint16_t kCloseAccountDeleted = 4002;  // "account deleted"

class UserSessions : public std::enable_shared_from_this<UserSessions> {
 public:
  // Registers one connection of `user_id` until the returned handle is destroyed. Must be
  // owned by a shared_ptr.
  std::shared_ptr<void> add(const std::string& user_id, std::weak_ptr<lobby::Mailbox> session);
  // Closes every registered connection of the user with `code` and `reason`; returns how many.
  std::size_t close_all(const std::string& user_id, std::uint16_t code, const std::string& reason);
  std::size_t size() const;

 private:
  struct Registration;  // add()'s handle
  void remove(const Registration* registration);

  mutable std::mutex mu_;
  // user id (a view of the registration's own copy) -> each of the user's open connections.
  std::unordered_multimap<std::string_view, Registration*> by_user_;
};

}  // namespace swirl::api
