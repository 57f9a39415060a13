// Native TLS (--tls-cert/--tls-key): HTTPS and WSS through a real TLS client, the protocol
// versions offered, HSTS, and the start-up errors for bad certificate and key files.
#include <catch2/catch.hpp>

#include <fstream>

#include <openssl/ssl.h>

#include "support/databases.hpp"
#include "support/interactions.hpp"
#include "support/test_server.hpp"
#include "support/tls_tunnel.hpp"
#include "support/wait.hpp"
#include "swirl/core/config.hpp"
#include "swirl/http/security_headers.hpp"
#include "swirl/net/tls_context.hpp"

using namespace swirl;
using namespace swirl::test;

namespace {
auto with_tls(const TestCertificate& cert) {
  return [&cert](core::Config& c) {
    c.tls_cert = cert.cert;
    c.tls_key = cert.key;
  };
}
}  // namespace

TEST_CASE("HTTPS: the API and the web client over TLS, with HSTS and the security headers", "[tls]") {
  TestCertificate cert;
  TestServer server(Backend::sqlite, with_tls(cert));
  TlsTunnel tunnel(server.port(), cert.cert);
  HttpClient https(tunnel.port());
  for (const std::string path : {"/", "/api/health", "/healthz", "/api/nope"}) {
    INFO(path);
    auto r = https.get(path);
    CHECK((r.status == 200 || r.status == 404));
    CHECK(r.header("strict-transport-security") == "max-age=31536000");
    CHECK(r.header("content-security-policy") == http::content_security_policy());
    CHECK(r.header("x-content-type-options") == "nosniff");
  }
  CHECK(https.get("/").body.find("<html") != std::string::npos);
  auto [id, token] = https.create_user("Tess");
  CHECK(https.get("/api/me", token).json()["id"] == id);
  CHECK(tunnel.last_protocol() == "TLSv1.3");
  CHECK(tunnel.handshake_failures() == 0);

  // The TLS port does not answer plain HTTP (nor does it hang: the handshake fails at once).
  auto plain = raw_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(5));
  CHECK(plain.find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("plain HTTP sends no HSTS", "[tls]") {
  TestServer server(Backend::sqlite);
  auto r = server.client().get("/");
  CHECK(r.status == 200);
  CHECK(r.header("strict-transport-security").empty());
}

TEST_CASE("WSS: a lobby session over TLS: join, match, relay a signal, close", "[tls]") {
  TestCertificate cert;
  TestServer server(Backend::sqlite, with_tls(cert));
  TlsTunnel tunnel(server.port(), cert.cert);
  Interactions people(server, tunnel.port());
  auto& ann = people.user("Ann");
  auto& ben = people.user("Ben");
  auto lobby = people.create_lobby(ann);
  auto match = match_pair(lobby, ann, ben);
  CHECK(match["peers"].size() == 1);
  nlohmann::json offer = {{"description", {{"type", "offer"}, {"sdp", std::string(6000, 'x')}}}};
  ann.signal(ben.id, offer);
  auto got = ben.ws->wait_for_type("signal");
  CHECK(got["from"] == ann.id);
  CHECK(got["data"] == offer);
  // Many messages both ways arrive complete and in order through the pumps.
  for (int i = 0; i < 40; ++i) {
    ann.signal(ben.id, {{"candidate", {{"candidate", "candidate:" + std::to_string(i)}, {"sdpMid", "0"}}}});
    ben.signal(ann.id, {{"candidate", {{"candidate", "candidate:" + std::to_string(i)}, {"sdpMid", "0"}}}});
  }
  CHECK(wait_until([&] { return ben.ws->count("signal") == 41 && ann.ws->count("signal") == 40; }));
  auto seen = ben.ws->messages_of_type("signal");
  for (int i = 0; i < 40; ++i)
    CHECK(seen.at(static_cast<std::size_t>(i + 1))["data"]["candidate"]["candidate"] ==
          "candidate:" + std::to_string(i));
  // A clean close handshake through TLS.
  ben.ws->close(1000);
  CHECK(ben.ws->close_code() == 1000);
  CHECK(wait_until([&] { return server.app().ws_counters().open.load() == 1; }));
}

TEST_CASE("TLS 1.2 and 1.3 are accepted, 1.0 and 1.1 refused", "[tls]") {
  TestCertificate cert;
  TestServer server(Backend::sqlite, with_tls(cert));
  CHECK(try_tls_handshake(server.port(), TLS1_3_VERSION, TLS1_3_VERSION) == "TLSv1.3");
  CHECK(try_tls_handshake(server.port(), TLS1_2_VERSION, TLS1_2_VERSION) == "TLSv1.2");
  CHECK(try_tls_handshake(server.port(), TLS1_1_VERSION, TLS1_1_VERSION).empty());
  CHECK(try_tls_handshake(server.port(), TLS1_VERSION, TLS1_VERSION).empty());
  // The server still serves after refusals.
  TlsTunnel tunnel(server.port(), cert.cert);
  CHECK(HttpClient(tunnel.port()).get("/healthz").status == 200);
}

TEST_CASE("TLS files: clear start-up errors for missing, unreadable, wrong and mismatched files", "[tls][config]") {
  TestCertificate cert;
  using Catch::Contains;
  CHECK_THROWS_WITH(net::make_server_tls_context(cert.dir + "/nope.pem", cert.key),
                    Contains("--tls-cert " + cert.dir + "/nope.pem: cannot be read"));
  CHECK_THROWS_WITH(net::make_server_tls_context(cert.cert, cert.dir + "/nope.pem"),
                    Contains("--tls-key") && Contains("cannot be read"));
  // The certificate where the key should be, and the key where the certificate should be.
  CHECK_THROWS_WITH(net::make_server_tls_context(cert.cert, cert.cert), Contains("not an unencrypted PEM private key"));
  CHECK_THROWS_WITH(net::make_server_tls_context(cert.key, cert.key), Contains("not a PEM certificate"));
  CHECK_THROWS_WITH(net::make_server_tls_context(cert.cert, cert.other_key()),
                    Contains("does not belong to the certificate"));
  // An encrypted key is refused, not prompted for.
  std::string encrypted = cert.dir + "/encrypted.pem";
  REQUIRE(std::system(("openssl pkey -in " + cert.key + " -aes256 -passout pass:secret -out " + encrypted).c_str()) ==
          0);
  CHECK_THROWS_WITH(net::make_server_tls_context(cert.cert, encrypted), Contains("not an unencrypted PEM private key"));
  CHECK_NOTHROW(net::make_server_tls_context(cert.cert, cert.key));

  // The server refuses to start on them (main prints the message and exits 1).
  CHECK_THROWS_WITH(TestServer(Backend::sqlite,
                               [&](core::Config& c) {
                                 c.tls_cert = cert.cert;
                                 c.tls_key = cert.dir + "/nope.pem";
                               }),
                    Contains("cannot be read"));

  // One without the other is a configuration error.
  auto only_cert = core::parse_config({"--tls-cert", cert.cert}, {});
  CHECK_FALSE(only_cert.config);
  CHECK(only_cert.exit_code == 2);
  CHECK_THAT(only_cert.message, Contains("--tls-cert needs --tls-key"));
  auto only_key = core::parse_config({}, {{"SWIRL_TLS_KEY", cert.key}});
  CHECK_THAT(only_key.message, Contains("--tls-key needs --tls-cert"));
  auto both = core::parse_config({"--tls-cert", cert.cert}, {{"SWIRL_TLS_KEY", cert.key}});
  REQUIRE(both.config);
  CHECK(both.config->tls_key == cert.key);
}
