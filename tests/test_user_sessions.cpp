// The registry of each user's open lobby WebSockets (api/user_sessions.hpp), without sockets:
// what sign out everywhere and account deletion close, and that a connection leaves the table
// when its session lets go of the registration.
#include <catch2/catch.hpp>

#include "swirl/api/user_sessions.hpp"

namespace {

// A connection as the registry sees it: it only records the close it is asked for.
struct ClosedWith final : swirl::lobby::Mailbox {
  void deliver(swirl::lobby::Frame, swirl::lobby::FrameKind) override {}
  void close(std::uint16_t code, std::string reason) override { closes.emplace_back(code, std::move(reason)); }
  std::vector<std::pair<std::uint16_t, std::string>> closes;
};

}  // namespace

TEST_CASE("the user-sessions registry closes exactly a user's open connections and forgets each as it goes",
          "[accounts][sessions]") {
  auto registry = std::make_shared<swirl::api::UserSessions>();
  auto ada1 = std::make_shared<ClosedWith>(), ada2 = std::make_shared<ClosedWith>(),
       bob = std::make_shared<ClosedWith>();
  auto h1 = registry->add("u-ada", ada1);
  auto h2 = registry->add("u-ada", ada2);
  auto h3 = registry->add("u-bob", bob);
  CHECK(registry->size() == 3);

  CHECK(registry->close_all("u-ada", swirl::api::kCloseSignedOut, "signed out") == 2);
  REQUIRE(ada1->closes.size() == 1);
  CHECK(ada1->closes[0] == std::pair<std::uint16_t, std::string>{4001, "signed out"});
  CHECK(ada2->closes.size() == 1);
  CHECK(bob->closes.empty());
  CHECK(registry->close_all("u-nobody", swirl::api::kCloseSignedOut, "signed out") == 0);

  // A session that goes drops its registration: it is no longer in the table.
  h1.reset();
  CHECK(registry->size() == 2);
  CHECK(registry->close_all("u-ada", swirl::api::kCloseAccountDeleted, "account deleted") == 1);
  CHECK(ada1->closes.size() == 1);
  CHECK(ada2->closes.size() == 2);

  // A connection whose mailbox is gone (but whose registration is still held) is skipped.
  ada2.reset();
  CHECK(registry->close_all("u-ada", swirl::api::kCloseSignedOut, "signed out") == 0);
  h2.reset();
  h3.reset();
  CHECK(registry->size() == 0);

  // A registration that outlives the registry (a session still open at shutdown) lets go quietly.
  auto late = registry->add("u-cy", bob);
  registry.reset();
  late.reset();
}
