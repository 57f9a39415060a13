// The documented reverse proxy: Debian's nginx running docker/nginx/swirl.conf (ports and paths
// substituted, support/nginx_proxy.hpp) in front of a real server, reached over TLS.
#include <catch2/catch.hpp>

#include <regex>

#include "support/databases.hpp"
#include "support/interactions.hpp"
#include "support/nginx_proxy.hpp"
#include "support/test_server.hpp"
#include "support/tls_tunnel.hpp"
#include "swirl/http/security_headers.hpp"

using namespace swirl;
using namespace swirl::test;

TEST_CASE("nginx in front: the web client loads, plain HTTP redirects, the body limit answers in JSON", "[nginx]") {
  TestCertificate cert;
  TestServer server(Backend::sqlite);
  NginxProxy nginx(server.port(), cert);
  TlsTunnel tunnel(nginx.https_port(), cert.cert);
  HttpClient https(tunnel.port());

  auto page = https.get("/");
  REQUIRE(page.status == 200);
  CHECK(page.header("strict-transport-security") == "max-age=31536000");             // set by nginx
  CHECK(page.header("content-security-policy") == http::content_security_policy());  // by Swirl, passed on
  std::smatch script;
  REQUIRE(std::regex_search(page.body, script, std::regex(R"re(src="(/assets/[^"]+\.js)")re")));
  auto bundle = https.get(script[1]);
  CHECK(bundle.status == 200);
  CHECK(bundle.header("content-type").find("javascript") != std::string::npos);
  CHECK(bundle.body.size() > 1000);

  // Plain HTTP on the proxy's port 80 goes to https.
  auto redirect =
      raw_exchange(nginx.http_port(), "GET /l/abc HTTP/1.1\r\nHost: swirl.test\r\nConnection: close\r\n\r\n");
  CHECK(redirect.rfind("HTTP/1.1 301", 0) == 0);
  CHECK(redirect.find("Location: https://swirl.test/l/abc\r\n") != std::string::npos);

  // nginx enforces Swirl's body limit itself, with Swirl's error format.
  auto big = https.request("POST", "/api/users", std::string(70 * 1024, ' '), {{"Content-Type", "application/json"}});
  CHECK(big.status == 413);
  CHECK(big.error_code() == "body_too_large");
  // Within the limit, Swirl answers.
  auto [id, token] = https.create_user("Nia");
  CHECK(https.get("/api/me", token).json()["id"] == id);
  // /metrics is not published through the proxy.
  CHECK(https.get("/metrics").status == 404);
}

TEST_CASE("nginx in front: two WebSocket clients are matched and relay signals through the proxy", "[nginx]") {
  TestCertificate cert;
  TestServer server(Backend::sqlite);
  NginxProxy nginx(server.port(), cert);
  TlsTunnel tunnel(nginx.https_port(), cert.cert);
  Interactions people(server, tunnel.port());
  auto& ann = people.user("Ann");
  auto& ben = people.user("Ben");
  auto lobby = people.create_lobby(ann);
  match_pair(lobby, ann, ben);
  nlohmann::json offer = {{"description", {{"type", "offer"}, {"sdp", std::string(8000, 'v')}}}};
  ann.signal(ben.id, offer);
  auto got = ben.ws->wait_for_type("signal");
  CHECK(got["from"] == ann.id);
  CHECK(got["data"] == offer);
  ben.signal(ann.id, {{"candidate", nullptr}});
  CHECK(ann.ws->wait_for_type("signal")["from"] == ben.id);
  CHECK(server.app().ws_counters().open.load() == 2);
  // A clean close passes through as well.
  ben.ws->close(1000);
  CHECK(ben.ws->close_code() == 1000);
}
