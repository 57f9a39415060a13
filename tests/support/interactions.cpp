#include "support/interactions.hpp"

#include <stdexcept>

namespace swirl::test {
using json = nlohmann::json;

WsClient& SimUser::join(const std::string& lobby_id, std::chrono::milliseconds timeout) {
  WsOptions options;
  options.token = token;
  options.timeout = timeout;
  auto fresh = std::make_unique<WsClient>(port, "/api/lobbies/" + lobby_id + "/ws", options);
  try {
    fresh->wait_for_type("welcome", timeout);
  } catch (const std::exception& e) {
    throw std::runtime_error(name + " joining lobby " + lobby_id + ": " + e.what());
  }
  ws = std::move(fresh);
  return *ws;
}

WsClient& SimUser::socket(const char* what) {
  if (!ws) throw std::logic_error(name + "." + what + "(): not joined to a lobby (no WebSocket)");
  return *ws;
}

json match_pair(const std::string& lobby, SimUser& a, SimUser& b) {
  a.join(lobby);
  b.join(lobby);
  a.ready();
  b.ready();
  b.ws->wait_for_type("match");
  return a.ws->wait_for_type("match");
}

void SimUser::ready(bool r) { socket("ready").send({{"type", "ready"}, {"ready", r}}); }

void SimUser::ready_seen(bool r) {
  ready(r);
  socket("ready").wait_for([&](const json& m) {
    if (m["type"] != "lobby_status") return false;
    for (const auto& x : m["members"])
      if (x["id"] == id && x["ready"] == r) return true;
    return false;
  });
}

void SimUser::signal(const std::string& to, const json& data) {
  socket("signal").send({{"type", "signal"}, {"to", to}, {"data", data}});
}

void SimUser::leave_match(std::optional<bool> ready) {
  json m = {{"type", "leave_match"}};
  if (ready) m["ready"] = *ready;
  socket("leave_match").send(m);
}

void SimUser::call_event(const std::string& match_id, const std::string& event) {
  socket("call_event").send({{"type", "call_event"}, {"match_id", match_id}, {"event", event}});
}

HandshakeRefused refused_join(unsigned short port, const std::string& lobby_id, std::optional<std::string> token) {
  WsOptions options;
  options.token = std::move(token);
  try {
    WsClient c(port, "/api/lobbies/" + lobby_id + "/ws", options);
  } catch (const HandshakeRefused& e) {
    return e;
  }
  throw std::runtime_error("the server accepted a WebSocket to lobby " + lobby_id + " that it should have refused");
}

Interactions::Interactions(TestServer& server) : server_(server), port_(server.port()) {}
Interactions::Interactions(TestServer& server, unsigned short port) : server_(server), port_(port) {}

SimUser& Interactions::user(const std::string& name) {
  auto it = users_.find(name);
  if (it != users_.end()) return *it->second;
  auto u = std::make_unique<SimUser>();
  u->name = name;
  u->port = port_;
  u->http = std::make_unique<HttpClient>(port_);
  std::tie(u->id, u->token) = u->http->create_user(name);
  return *users_.emplace(name, std::move(u)).first->second;
}

std::string Interactions::create_lobby(SimUser& owner, const std::string& name, int group_size,
                                       const json& extra_settings) {
  json settings = extra_settings.is_object() ? extra_settings : json::object();
  settings["group_size"] = group_size;
  auto r = owner.http->post("/api/lobbies", {{"name", name}, {"settings", settings}}, owner.token);
  if (r.status != 201)
    throw std::runtime_error("create_lobby \"" + name + "\" as " + owner.name + " failed: HTTP " +
                             std::to_string(r.status) + " " + r.body);
  return r.json().at("id").get<std::string>();
}

TestServer& Interactions::server() { return server_; }

}  // namespace swirl::test
