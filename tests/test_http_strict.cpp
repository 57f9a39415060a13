// Bad input at the HTTP layer (issue 19), over raw sockets: request framing the server must
// refuse (RFC 9112 6.1, 6.3, 5.2) with 400 and a closed connection, Host validation, the
// header timeout on kept-alive connections, and the security headers (issue 16).
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstdio>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "support/databases.hpp"
#include "support/test_server.hpp"
#include "support/wait.hpp"
#include "swirl/http/request_checks.hpp"
#include "swirl/http/security_headers.hpp"

using namespace swirl::test;
using nlohmann::json;
namespace asio = boost::asio;

namespace {

struct Exchange {
  std::string bytes;    // everything the server sent
  bool closed = false;  // the server closed the connection (rather than the wait timing out)
  int responses() const {
    int n = 0;
    // Status lines only (right after the previous body): an error message may mention "an HTTP/1.1 request".
    for (auto p = bytes.find("HTTP/1."); p != std::string::npos; p = bytes.find("HTTP/1.", p + 1))
      if (p == 0 || bytes[p - 1] != ' ') ++n;
    return n;
  }
};

// Writes `request` on a new connection and reads until the server closes it or `wait` passes.
Exchange exchange(unsigned short port, const std::string& request,
                  std::chrono::milliseconds wait = std::chrono::seconds(3)) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(request));
  Exchange out;
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{s.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
    char buf[4096];
    auto n = ::recv(s.native_handle(), buf, sizeof buf, 0);
    if (n <= 0) {
      out.closed = true;
      return out;
    }
    out.bytes.append(buf, static_cast<std::size_t>(n));
  }
}

std::string post_users(const std::string& extra_headers, const std::string& body_part) {
  return "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n" + body_part;
}

const std::string kHealth = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

}  // namespace

TEST_CASE("ambiguous request framing gets 400 and the connection closed, nothing after it is parsed",
          "[http][strict]") {
  TestServer server(Backend::sqlite);
  const std::string body = R"({"display_name":"Smuggler"})";
  struct Case {
    const char* what;
    std::string request;
  };
  std::vector<Case> cases = {
      // Beast would take an unknown coding as "no body" and parse the next bytes as a request.
      {"Transfer-Encoding: gzip without Content-Length", post_users("Transfer-Encoding: gzip\r\n", kHealth)},
      {"a coding list that does not end in chunked", post_users("Transfer-Encoding: chunked, gzip\r\n", kHealth)},
      // Beast would use the Content-Length; a proxy may use the Transfer-Encoding.
      {"xchunked plus Content-Length",
       post_users("Transfer-Encoding: xchunked\r\nContent-Length: " + std::to_string(body.size()) + "\r\n",
                  body + kHealth)},
      {"chunked plus Content-Length",
       post_users("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n" + kHealth)},
      {"two Transfer-Encoding fields",
       post_users("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + kHealth)},
      // Beast would join the folded line and see "chunked".
      {"Transfer-Encoding folded onto a second line",
       post_users("Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n" + kHealth)},
      {"any folded field", "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: one\r\n\ttwo\r\n\r\n" + kHealth},
      {"Transfer-Encoding in HTTP/1.0",
       "POST /api/users HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + kHealth},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      auto ex = exchange(server.port(), c.request);
      CHECK(ex.bytes.rfind("HTTP/1.", 0) == 0);
      CHECK(ex.bytes.find(" 400 ") != std::string::npos);
      CHECK(ex.bytes.find("\"code\":\"bad_request\"") != std::string::npos);
      CHECK(ex.responses() == 1);  // the request behind it was never read
      CHECK(ex.closed);
    }
  }
  // Plain chunked still works, and keeps the connection.
  std::string chunked = post_users("Transfer-Encoding: chunked\r\n", "");
  chunked += [&] {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
  }();
  auto ok = exchange(server.port(), chunked + kHealth);
  CHECK(ok.bytes.rfind("HTTP/1.1 201", 0) == 0);
  CHECK(ok.responses() == 2);
  CHECK_FALSE(ok.closed);
}

TEST_CASE("Host must be present in HTTP/1.1 and be host[:port]", "[http][strict][host]") {
  TestServer server(Backend::sqlite);
  auto missing = exchange(server.port(), "GET /api/health HTTP/1.1\r\n\r\n" + kHealth);
  CHECK(missing.bytes.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(missing.bytes.find("\"code\":\"bad_host\"") != std::string::npos);
  CHECK(missing.responses() == 1);
  CHECK(missing.closed);

  auto twice = exchange(server.port(), "GET /api/health HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
  CHECK(twice.bytes.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(twice.closed);

  // HTTP/1.0 may leave it out.
  auto old = exchange(server.port(), "GET /api/health HTTP/1.0\r\n\r\n");
  CHECK(old.bytes.rfind("HTTP/1.0 200", 0) == 0);

  // The finding: a Host that is not a host reached the invite link.
  const std::string token = server.client().create_user("Olga").second;
  auto create = [&](const std::string& host) {
    std::string body = R"({"name":"Room"})";
    return exchange(server.port(), "POST /api/lobbies HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " +
                                       token +
                                       "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                                       std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  for (const std::string bad :
       {"evil.example/phish?x=", "evil.example:80/x", "a b", "evil.example:", "evil.example:99999", "user@evil.example",
        "[::1", "evil.example#frag", "evil.example\\x"}) {
    INFO("Host: " << bad);
    auto r = create(bad);
    CHECK(r.bytes.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(r.bytes.find("\"code\":\"bad_host\"") != std::string::npos);
    CHECK(r.bytes.find("evil.example") == std::string::npos);
  }
  for (const std::string good : {"swirl.example", "swirl.example:8443", "127.0.0.1:8080", "[::1]:8080", "localhost"}) {
    INFO("Host: " << good);
    auto r = create(good);
    REQUIRE(r.bytes.rfind("HTTP/1.1 201", 0) == 0);
    auto lobby = json::parse(r.bytes.substr(r.bytes.find("\r\n\r\n") + 4));
    CHECK(lobby["invite_url"] == "http://" + good + "/l/" + lobby["id"].get<std::string>());
  }
}

TEST_CASE("host[:port] syntax", "[http][strict][host]") {
  using swirl::http::valid_host;
  CHECK(valid_host("swirl.example"));
  CHECK(valid_host("SWIRL.example:443"));
  CHECK(valid_host("10.0.0.1:65535"));
  CHECK(valid_host("[2001:db8::1]"));
  CHECK(valid_host("[2001:db8::1]:8080"));
  CHECK_FALSE(valid_host(""));
  CHECK_FALSE(valid_host(":80"));
  CHECK_FALSE(valid_host("swirl.example:65536"));
  CHECK_FALSE(valid_host("swirl.example:8o"));
  CHECK_FALSE(valid_host("-swirl.example"));
  CHECK_FALSE(valid_host("[2001:db8::1]x"));
  CHECK_FALSE(valid_host("[zz::1]"));
  CHECK_FALSE(valid_host(std::string(256, 'a')));
}

TEST_CASE("the header timeout starts at the first byte of each request on a kept-alive connection",
          "[http][strict][timeout]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) {
    c.http_header_timeout = std::chrono::milliseconds(400);
    c.http_idle_timeout = std::chrono::seconds(30);
  });
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  auto fd = s.native_handle();
  // Reads what is there within `ms`; false when the server closed the connection.
  auto still_open = [&](int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return true;
    char buf[4096];
    return ::recv(fd, buf, sizeof buf, 0) > 0;
  };
  asio::write(s, asio::buffer(kHealth));
  std::string first;
  CHECK(wait_until([&] {
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) > 0)
      first.append(buf, static_cast<std::size_t>(std::max<ssize_t>(0, ::recv(fd, buf, sizeof buf, 0))));
    return first.find("\"status\"") != std::string::npos;
  }));
  // Silent between requests: the idle timeout applies, not the header timeout.
  CHECK(still_open(1000));
  // The next request's head arrives one line at a time, each within the idle timeout.
  asio::write(s, asio::buffer(std::string("GET /api/health HTTP/1.1\r\n")));
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 50 && !closed; ++i) {
    closed = !still_open(100);
    if (!closed) {
      boost::system::error_code ec;
      asio::write(s, asio::buffer(std::string("X-Drip: ") + std::to_string(i) + "\r\n"), ec);
    }
  }
  auto lived = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  INFO("the dripping request lived " << lived.count() << " ms");
  CHECK(closed);  // within 5 s of dripping, far below the 30 s idle timeout
}

TEST_CASE("every response carries the security headers", "[http][strict][headers]") {
  TestServer server(Backend::sqlite);
  auto http = server.client();
  for (const std::string path : {"/", "/l/some-lobby", "/api/health", "/api/nope"}) {
    INFO(path);
    auto r = http.get(path);
    CHECK(r.header("content-security-policy") == swirl::http::content_security_policy());
    CHECK(r.header("x-content-type-options") == "nosniff");
    CHECK(r.header("referrer-policy") == "no-referrer");
    CHECK(r.header("permissions-policy") == swirl::http::permissions_policy());
  }
  // What the policy must keep allowing, and what it must not.
  std::string csp(swirl::http::content_security_policy());
  CHECK_THAT(csp, Catch::Contains("default-src 'self'"));
  CHECK_THAT(csp, Catch::Contains("script-src 'self' 'wasm-unsafe-eval';"));  // TF.js WASM, no eval
  CHECK_THAT(csp, Catch::Contains("worker-src 'self' blob:"));
  CHECK_THAT(csp, Catch::Contains("connect-src 'self'"));  // API, WebSocket, /models/, /tfjs/
  CHECK_THAT(csp, Catch::Contains("object-src 'none'"));
  CHECK_THAT(csp, Catch::Contains("frame-ancestors 'none'"));
  CHECK_THAT(csp, !Catch::Contains("unsafe-inline") && !Catch::Contains("'unsafe-eval'") && !Catch::Contains("*"));
  CHECK_THAT(std::string(swirl::http::permissions_policy()),
             Catch::Contains("camera=(self)") && Catch::Contains("microphone=(self)"));
  // Refusals that close the connection carry them too.
  auto bad = exchange(server.port(), "GET / HTTP/1.1\r\n\r\n");
  CHECK(bad.bytes.find("Content-Security-Policy: default-src 'self'") != std::string::npos);
}

TEST_CASE("the server warns at start-up when invite links would come from the Host header", "[http][host][binary]") {
  auto run = [](const std::string& listen, const std::string& extra) {
    auto dir = temp_dir();
    std::string cmd = "timeout -s TERM 2 " + std::string(SWIRL_SERVER_BINARY) + " --listen=" + listen +
                      " --port=0 --log-level=warn --web-root=" + dir + " --database=sqlite:" + dir + "/swirl.db " +
                      extra + " 2>&1";
    std::array<char, 4096> buf{};
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    while (auto n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    pclose(p);
    return out;
  };
  CHECK_THAT(run("0.0.0.0", ""), Catch::Contains("--public-url is not set"));
  CHECK_THAT(run("127.0.0.1", ""), !Catch::Contains("--public-url is not set"));
  CHECK_THAT(run("0.0.0.0", "--public-url=https://swirl.example"), !Catch::Contains("--public-url is not set"));
}
