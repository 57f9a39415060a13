#pragma once
// The simulated people of one black-box test. Each SimUser has its own HTTP client, a user
// record created through the public API, and (once joined) its own WebSocket connection;
// Interactions creates them against one TestServer, so every test gets a fresh database and
// strangers to each other.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

namespace swirl::test {

// A simulated person: an HTTP client, a user record, and (when joined) a WebSocket.
struct SimUser {
  std::string id, token, name;
  unsigned short port = 0;  // of the server the user was created on
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<WsClient> ws;

  // Connects to /api/lobbies/{id}/ws with the token (as a subprotocol, like a browser) and
  // waits for "welcome". A previous connection is replaced only after the new one is up, the
  // way a second browser tab takes over.
  WsClient& join(const std::string& lobby_id, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void ready(bool r = true);  // sends {"type":"ready","ready":r}
  // ready(r), then waits until a lobby_status shows the user ready == r (any status on this
  // connection counts, so use it to change the state). For tests whose outcome depends on who
  // became ready first: the client's write can lag behind other users' actions on a loaded
  // machine.
  void ready_seen(bool r = true);
  void signal(const std::string& to, const nlohmann::json& data);
  // {"type":"leave_match"} with "ready" only when given (the server's default is false).
  void leave_match(std::optional<bool> ready = std::nullopt);
  // {"type":"call_event","match_id":..,"event":..} (event as given, valid or not).
  void call_event(const std::string& match_id, const std::string& event);

 private:
  WsClient& socket(const char* what);
};

// Both join `lobby`, both get ready, both are matched; returns a's `match` message.
nlohmann::json match_pair(const std::string& lobby, SimUser& a, SimUser& b);

// Opens /api/lobbies/{lobby_id}/ws expecting the server to refuse the upgrade, and returns
// the refusal (status and JSON error). Throws if the connection is accepted.
HandshakeRefused refused_join(unsigned short port, const std::string& lobby_id, std::optional<std::string> token);

// The users of one test, against one server.
class Interactions {
 public:
  explicit Interactions(TestServer& server);
  // The users' HTTP and WebSocket clients connect to `port` instead of the server's own (a
  // TLS tunnel's, or a reverse proxy's in front of the server).
  Interactions(TestServer& server, unsigned short port);

  // Creates the user via POST /api/users on first use of `name` (the display name); later
  // calls with the same name return the same user. References stay valid for the lifetime of
  // the Interactions.
  SimUser& user(const std::string& name);

  // POST /api/lobbies {"name":..., "settings":{"group_size":..., ...extra_settings}} as
  // `owner`; returns the lobby id. Throws with the server's answer unless it is 201.
  std::string create_lobby(SimUser& owner, const std::string& name = "Test lobby", int group_size = 2,
                           const nlohmann::json& extra_settings = {});

  TestServer& server();

 private:
  TestServer& server_;
  unsigned short port_;
  std::map<std::string, std::unique_ptr<SimUser>> users_;
};

}  // namespace swirl::test
