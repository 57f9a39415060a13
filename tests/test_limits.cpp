// Limits that docs/security.md lists and no other test proved, black-box against a real server:
// the request head size, the keep-alive idle timeout, the static file size, the ban length,
// the reports listed in the owner state, a full lobby, the WebSocket close deadline; and the blocking pool's queue
// bound, on the pool itself. (Every other limit's test is named in docs/security.md, "Limits and their defaults".)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "support/databases.hpp"
#include "support/interactions.hpp"
#include "support/raw_ws.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/core/blocking_pool.hpp"
#include "swirl/core/config.hpp"

using namespace swirl::test;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("a request head over 16 KiB gets 431 headers_too_large and the connection closed", "[http][limits]") {
  TestServer server(Backend::sqlite);
  auto with_pad = [](std::size_t pad) {
    return "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(pad, 'p') + "\r\nConnection: close\r\n\r\n";
  };
  // 16 KiB in all is the limit: a head a little under it is served.
  auto fits = raw_exchange(server.port(), with_pad(15 * 1024));
  CHECK_THAT(fits, Catch::StartsWith("HTTP/1.1 200"));
  auto over = with_pad(16 * 1024);  // pad alone is the whole limit; with the request line it is over
  // A second request behind it is never read: the server answers once and closes.
  auto raw = raw_exchange(server.port(), over + "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 431"));
  CHECK_THAT(raw, Catch::Contains("\"code\":\"headers_too_large\""));
  CHECK(raw.find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("a static file over 64 MiB is not served, one of 64 MiB is", "[http][static][limits]") {
  const fs::path web = fs::path(temp_dir()) / "web";
  fs::create_directories(web);
  std::ofstream(web / "index.html") << "<!doctype html><title>Swirl</title>";
  // Sparse files: no disk space is used, the sizes are what the server sees.
  std::ofstream(web / "limit.bin").close();
  fs::resize_file(web / "limit.bin", 64ULL << 20);
  std::ofstream(web / "over.bin").close();
  fs::resize_file(web / "over.bin", (64ULL << 20) + 1);
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) { c.web_root = web.string(); });
  auto head = raw_exchange(server.port(), "HEAD /limit.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK_THAT(head, Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(head, Catch::Contains("Content-Length: 67108864"));
  auto over = server.client().get("/over.bin");
  CHECK(over.status == 404);
  CHECK(over.body.size() < 4096);
}

TEST_CASE("a ban lasts at most 30 days", "[owner][ban][limits]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(owner);
  ada.join(lobby);
  auto ban = [&](long long seconds) {
    return owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", ada.id}, {"ban_seconds", seconds}},
                            owner.token);
  };
  auto longer = ban(30LL * 24 * 3600 + 1);
  CHECK(longer.status == 400);
  CHECK(longer.error_code() == "invalid_ban_seconds");
  CHECK(ada.ws->count("kicked") == 0);  // refused before anything happened
  auto thirty_days = ban(30LL * 24 * 3600);
  CHECK(thirty_days.status == 200);
  CHECK(ada.ws->wait_for_type("kicked")["ban_seconds"] == 30 * 24 * 3600);
  CHECK(refused_join(server.port(), lobby, ada.token).error_code() == "banned");
}

TEST_CASE("the owner state lists the newest 100 reports, newest first", "[safety][report][owner][limits]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.max_reports_per_hour = 200;
    c.ws_rate_per_second = 1'000;  // 101 reports in a row are not a flood here
    c.ws_rate_burst = 1'000;
  });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto& bob = it.user("Bob");
  auto lobby = it.create_lobby(owner);
  match_pair(lobby, ada, bob);
  // Reports are ordered by their time in ms (ties: by their random id), so each is made in a
  // later millisecond than the one before: the order asserted below is then the only one.
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  for (int i = 0; i < 101; ++i) {
    const auto answered = now_ms();
    REQUIRE(wait_until([&] { return now_ms() > answered; }, std::chrono::seconds(1)));
    ada.ws->send({{"type", "report"}, {"user_id", bob.id}, {"reason", "other"}, {"details", std::to_string(i)}});
    REQUIRE(ada.ws->wait_for_nth("reported", static_cast<std::size_t>(i) + 1)["type"] == "reported");
  }
  auto state = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token);
  REQUIRE(state.status == 200);
  auto reports = state.json()["reports"];
  REQUIRE(reports.size() == 100);
  CHECK(reports.front()["details"] == "100");
  CHECK(reports.back()["details"] == "1");  // the first one, "0", is the 101st newest
  // Dismissing one brings the oldest back into the list.
  auto dismissed =
      owner.http->del("/api/lobbies/" + lobby + "/reports/" + reports.front()["id"].get<std::string>(), owner.token);
  REQUIRE(dismissed.status == 200);
  reports = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token).json()["reports"];
  REQUIRE(reports.size() == 100);
  CHECK(reports.back()["details"] == "0");
}

TEST_CASE("a kept-alive connection silent for the idle timeout is closed", "[http][limits]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.http_idle_timeout = std::chrono::milliseconds(300);
    c.http_header_timeout = std::chrono::seconds(30);  // not the one that closes it
  });
  auto started = std::chrono::steady_clock::now();
  // One whole request, kept alive, then silence: the answer comes, then the close.
  auto raw = raw_exchange(server.port(), "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(10));
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 200"));
  CHECK(waited >= std::chrono::milliseconds(300));
  CHECK(waited < std::chrono::seconds(8));  // closed by the server, not by our own read timeout
}

TEST_CASE("a lobby at its max_members refuses the next member with 409 lobby_full", "[lobby][ws][limits]") {
  // A dropped member keeps their place for the resume grace: short here, so Bob's frees soon.
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.resume_grace = std::chrono::milliseconds(200); });
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto lobby = it.create_lobby(owner, "Small", 2, {{"max_members", 2}});
  it.user("Ada").join(lobby);
  it.user("Bob").join(lobby);
  auto refused = refused_join(server.port(), lobby, it.user("Cy").token);
  CHECK(refused.status == 409);
  CHECK(refused.error_code() == "lobby_full");
  // A place that frees up is taken again.
  it.user("Bob").ws.reset();
  REQUIRE(wait_until(
      [&] {
        auto r = owner.http->get("/api/lobbies/" + lobby + "/state", owner.token);
        return r.status == 200 && r.json()["members"].size() == 1;
      },
      std::chrono::seconds(30)));
  it.user("Cy").join(lobby);
}

TEST_CASE("the blocking pool refuses work past --db-max-pending with PoolOverloaded, and runs the rest",
          "[pool][limits]") {
  boost::asio::io_context ioc;
  swirl::core::BlockingPool pool(1, 2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::vector<std::string> outcomes;
  // Completions come back on `ioc`, run by this thread only.
  auto record = boost::asio::bind_executor(ioc, [&](std::exception_ptr e, bool) {
    try {
      if (e) std::rethrow_exception(e);
      outcomes.push_back("ran");
    } catch (const swirl::core::PoolOverloaded&) {
      outcomes.push_back("overloaded");
    }
  });
  pool.run([gate] { gate.wait(); }, record);  // holds the one thread
  pool.run([] {}, record);                    // waits: 2 pending, the bound
  pool.run([] {}, record);                    // past it: refused at once
  CHECK(pool.pending() == 2);
  ioc.run_for(std::chrono::milliseconds(200));  // the refusal completes without the pool
  CHECK(outcomes == std::vector<std::string>{"overloaded"});
  release.set_value();
  ioc.restart();
  REQUIRE(wait_until([&] {
    ioc.poll();
    return outcomes.size() == 3;
  }));
  CHECK(outcomes == std::vector<std::string>{"overloaded", "ran", "ran"});
  CHECK(pool.pending() == 0);
}

TEST_CASE("a close the client never answers ends the TCP connection after the 5 s close deadline",
          "[ws][wire][limits]") {
  TestServer server(Backend::sqlite);
  Interactions it(server);
  auto& owner = it.user("Olga");
  auto& ada = it.user("Ada");
  auto lobby = it.create_lobby(owner);
  RawWs ws(server.port());
  REQUIRE(ws.handshake(RawWs::request(lobby, ada.token)).rfind("HTTP/1.1 101", 0) == 0);
  ws.read_until(
      [](const RawWs::Frame& f) { return f.opcode == 1 && f.payload.find("\"welcome\"") != std::string::npos; });
  // The owner kicks Ada: the server sends its close frame and waits for hers, which never comes.
  REQUIRE(owner.http->post("/api/lobbies/" + lobby + "/kick", {{"user_id", ada.id}}, owner.token).status == 200);
  REQUIRE(ws.read_close().opcode == 8);
  const auto close_seen = std::chrono::steady_clock::now();
  // Each read gives up after 5 s of silence (RawWs), so keep reading until the server's EOF.
  bool eof = false;
  while (!eof && std::chrono::steady_clock::now() - close_seen < std::chrono::seconds(15)) eof = ws.sees_eof();
  const auto waited = std::chrono::steady_clock::now() - close_seen;
  REQUIRE(eof);
  CHECK(waited >= std::chrono::milliseconds(4'500));  // the deadline, not at once
  CHECK(waited < std::chrono::seconds(10));
}
