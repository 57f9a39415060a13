#pragma once
// The set-up most lobby tests start from: a real server with its own database, a lobby owned by
// Olga (or by one of the members), and two members, Ada and Bob, created but not yet joined.
// match() puts Ada and Bob in a match. More people come from `it.user(name)`.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "swirl/core/config.hpp"

namespace swirl::test {

// How the server and the lobby are set up; the defaults are a plain lobby of pairs.
struct LobbyOptions {
  std::function<void(core::Config&)> config;  // changes to the server's configuration
  std::string owner = "Olga";                 // "Ada": Ada owns the lobby she joins
  std::string name = "Test lobby";
  int group_size = 2;
  nlohmann::json settings = {};  // more lobby settings (POST /api/lobbies "settings")
};

struct LobbyWithMembers {
  explicit LobbyWithMembers(Backend backend, const LobbyOptions& options = {});

  // Ada and Bob join, get ready and are matched; returns Ada's `match` message.
  nlohmann::json match() { return match_pair(lobby, ada, bob); }

  TestServer server;
  Interactions it;
  SimUser& owner;
  SimUser& ada;
  SimUser& bob;
  std::string lobby;
};

}  // namespace swirl::test
