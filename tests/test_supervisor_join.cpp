// Joins through the supervisor, driven on one io_context by the test itself so that the order
// of handlers is fixed: the upgrade's join (attach_now) may run inside its caller when the
// supervisor's and the lobby's strands are free, and must still wait for a lobby that is
// loading; a join that meets a lobby which stopped before the supervisor forgot it goes back
// through the supervisor (posted, never inside the join that bounced) and reaches the
// respawned lobby.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "support/databases.hpp"
#include "swirl/core/blocking_pool.hpp"
#include "swirl/core/config.hpp"
#include "swirl/lobby/supervisor.hpp"
#include "swirl/storage/database.hpp"

using namespace swirl;
using namespace swirl::test;
using nlohmann::json;

namespace {

// A member's connection as the lobby sees it: records what it is sent.
struct RecordingMailbox final : lobby::Mailbox {
  std::vector<json> frames;
  std::optional<std::uint16_t> closed_with;
  void deliver(lobby::Frame frame, lobby::FrameKind) override { frames.push_back(json::parse(*frame)); }
  void close(std::uint16_t code, std::string) override { closed_with = code; }
  bool got(const std::string& type) const {
    for (auto& f : frames)
      if (f.value("type", "") == type) return true;
    return false;
  }
};

struct Joiner {
  std::shared_ptr<RecordingMailbox> mailbox = std::make_shared<RecordingMailbox>();
  std::shared_ptr<lobby::LobbyServer> lobby;  // the actor that attached it
  lobby::JoinRequest request(const std::string& lobby_id, const std::string& user_id) {
    lobby::JoinRequest r;
    r.lobby_id = lobby_id;
    r.user_id = user_id;
    r.display_name = user_id;
    r.mailbox = mailbox;
    r.on_attached = [this](std::shared_ptr<lobby::LobbyServer> l, lobby::MemberId) { lobby = std::move(l); };
    return r;
  }
};

struct Fixture {
  core::Config config;
  std::unique_ptr<storage::Database> db;
  core::BlockingPool pool{1, 64};
  boost::asio::io_context ioc{1};
  std::shared_ptr<lobby::ApplicationSupervisor> supervisor;
  std::string lobby_id = "lobbyjoins1";

  Fixture() {
    db = storage::open_database(fresh_database_url(Backend::sqlite), {});
    db->migrate();
    db->create_user({"owner1", "Olga", 1, 1}, "hash-owner");
    storage::LobbyRecord record;
    record.id = lobby_id;
    record.name = "Room";
    record.owner_id = "owner1";
    record.created_at_ms = 1;
    db->create_lobby(record);
    supervisor = std::make_shared<lobby::ApplicationSupervisor>(ioc.get_executor(), config, pool, *db);
  }
  ~Fixture() {
    supervisor->stop_all_now();
    pool.stop();
  }
  // Runs handlers (the pool's answers arrive from its thread) until `done` or 5 s pass.
  template <class P>
  bool run_until(P done) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < until) {
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(5));
    }
    return done();
  }
};

}  // namespace

TEST_CASE("joins that reach a lobby still loading, one of them through attach_now, wait and land in it",
          "[lobby][supervisor]") {
  Fixture f;
  Joiner a, b;
  std::optional<std::size_t> asked;  // what an ask_spawning made meanwhile sees
  boost::asio::post(f.ioc, [&] {
    // On the io thread, as the upgrade is: the supervisor's strand is free, so the lookup runs
    // here, starts the load and queues the join.
    f.supervisor->attach_now(a.request(f.lobby_id, "userA"));
    f.supervisor->attach(b.request(f.lobby_id, "userB"));
    boost::asio::co_spawn(
        f.ioc,
        [&]() -> boost::asio::awaitable<void> {
          auto n =
              co_await f.supervisor->ask_spawning(f.lobby_id, [](lobby::LobbyServer& l) { return l.member_count(); });
          if (n) asked = *n;
        },
        boost::asio::detached);
  });
  REQUIRE(f.run_until([&] { return a.mailbox->got("welcome") && b.mailbox->got("welcome") && asked; }));
  CHECK(a.lobby);
  CHECK(a.lobby == b.lobby);
  CHECK(f.supervisor->live_lobbies() == 1);
  CHECK(f.supervisor->counters().lobbies_spawned == 1);
  CHECK_FALSE(a.mailbox->closed_with);
  CHECK_FALSE(b.mailbox->closed_with);
}

#ifdef SWIRL_TEST_HOOKS
TEST_CASE("a join that meets its lobby stopped before the supervisor forgot it reaches the respawned lobby",
          "[lobby][supervisor][isolation]") {
  Fixture f;
  Joiner first, late;
  f.supervisor->attach(first.request(f.lobby_id, "userA"));
  REQUIRE(f.run_until([&] { return first.mailbox->got("welcome"); }));
  auto failed = first.lobby;
  REQUIRE(failed);
  // Queued in this order, from outside the io thread: the lobby's next handler fails (it stops
  // and posts its removal to the supervisor), and a join reaches the supervisor before that
  // removal. The supervisor still maps the lobby to the failed actor and hands it the join,
  // which bounces back; the removal runs, then the bounced join spawns a fresh actor.
  failed->inject_fault();
  f.supervisor->attach(late.request(f.lobby_id, "userB"));
  REQUIRE(f.run_until([&] { return late.mailbox->got("welcome"); }));
  CHECK(first.mailbox->got("error"));
  CHECK(first.mailbox->closed_with == lobby::close_code::internal);
  CHECK(failed->stopped());
  REQUIRE(late.lobby);
  CHECK(late.lobby != failed);
  CHECK_FALSE(late.lobby->stopped());
  CHECK_FALSE(late.mailbox->closed_with);
  CHECK(f.supervisor->counters().lobbies_failed == 1);
  CHECK(f.supervisor->counters().lobbies_spawned == 2);
  CHECK(f.supervisor->live_lobbies() == 1);
}
#endif
