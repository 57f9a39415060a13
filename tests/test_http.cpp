// The HTTP layer over real sockets: error format, method handling, body limit, timeouts,
// keep-alive, and static file serving (MIME, ETag/304, caching, SPA fallback).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "support/test_server.hpp"
#include "support/wait.hpp"

using namespace swirl::test;
namespace fs = std::filesystem;

namespace {
void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

struct WebRoot {
  fs::path dir = temp_dir();
  WebRoot() {
    write_file(dir / "web" / "index.html", "<!doctype html><title>Swirl</title>");
    write_file(dir / "web" / "assets" / "app-3f9a1c.js", "console.log('hi')");
    write_file(dir / "web" / "assets" / "app-3f9a1c.css", "body{}");
    write_file(dir / "web" / "favicon.svg", "<svg/>");
    write_file(dir / "web" / "sub" / "page.json", "{}");
    write_file(dir / "models" / "bodypix" / "model.json", "{\"format\":\"graph-model\"}");
    write_file(dir / "web" / "models" / "bodypix" / "m-1" / "model.json", "{\"format\":\"vendored\"}");
    write_file(dir / "web" / "tfjs" / "4.22.0" / "tfjs-backend-wasm-simd.wasm", std::string("\0asm", 4));
    write_file(dir / "secret.txt", "do not serve");
  }
};
}  // namespace

TEST_CASE("unknown API paths are JSON 404s and wrong methods are JSON 405s", "[http]") {
  TestServer server(Backend::sqlite);
  auto http = server.client();
  auto nf = http.get("/api/nope");
  CHECK(nf.status == 404);
  CHECK_THAT(nf.header("content-type"), Catch::Contains("application/json"));
  CHECK(nf.error_code() == "not_found");
  CHECK(nf.json()["error"]["message"].is_string());
  CHECK(http.get("/api/users/x/y").status == 404);

  auto m = http.request("DELETE", "/api/users");
  CHECK(m.status == 405);
  CHECK(m.error_code() == "method_not_allowed");
  CHECK(m.header("allow") == "POST");
  auto m2 = http.request("PUT", "/api/me", "{}");
  CHECK(m2.status == 405);
  CHECK_THAT(m2.header("allow"), Catch::Contains("GET") && Catch::Contains("PATCH"));
}

TEST_CASE("request bodies over the limit get 413 and nothing is created", "[http][limits]") {
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.http_max_body_bytes = 1024; });
  auto http = server.client();
  std::string big = R"({"display_name":"Ada","pad":")" + std::string(2000, 'x') + "\"}";
  auto r = http.request("POST", "/api/users", big);
  CHECK(r.status == 413);
  CHECK(r.error_code() == "body_too_large");
  CHECK_THAT(r.json()["error"]["message"].get<std::string>(), Catch::Contains("1024"));

  // Chunked, so the size is only known while reading.
  std::string chunked = "POST /api/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "258\r\n" + std::string(600, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  auto raw = raw_exchange(server.port(), chunked);
  CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 413"));

  // Under the limit still works.
  CHECK(server.client().post("/api/users", {{"display_name", "Ada"}}).status == 201);
}

TEST_CASE("malformed HTTP gets a JSON 400", "[http]") {
  TestServer server(Backend::sqlite);
  auto raw = raw_exchange(server.port(), "GARBAGE\r\n\r\n");
  CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(raw, Catch::Contains("\"code\":\"bad_request\""));
}

TEST_CASE("keep-alive serves many requests on one connection", "[http]") {
  TestServer server(Backend::sqlite);
  std::string req = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string last = "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  auto raw = raw_exchange(server.port(), req + req + last);
  std::size_t count = 0, pos = 0;
  while ((pos = raw.find("HTTP/1.1 200", pos)) != std::string::npos) {
    ++count;
    ++pos;
  }
  CHECK(count == 3);
}

TEST_CASE("a client that never finishes its request is disconnected at the header timeout", "[http][limits]") {
  TestServer server(Backend::sqlite,
                    [](swirl::core::Config& c) { c.http_header_timeout = std::chrono::milliseconds(300); });
  auto started = std::chrono::steady_clock::now();
  auto raw = raw_exchange(server.port(), "GET /api/health HTTP/1.1\r\nHost: x\r\n", std::chrono::seconds(5));
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(raw.empty());
  CHECK(waited < std::chrono::seconds(4));  // closed by the server, not by our own read timeout
}

TEST_CASE("a client that connects and sends nothing is disconnected too", "[http][limits]") {
  // The listener holds a connection that has sent nothing (TCP_DEFER_ACCEPT, about a second),
  // then hands it over all the same: the header timeout still ends it.
  TestServer server(Backend::sqlite,
                    [](swirl::core::Config& c) { c.http_header_timeout = std::chrono::milliseconds(300); });
  auto started = std::chrono::steady_clock::now();
  auto raw = raw_exchange(server.port(), "", std::chrono::seconds(20));
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(raw.empty());
  CHECK(waited < std::chrono::seconds(10));
}

TEST_CASE("static files: MIME types, ETag and 304, cache policy, HEAD", "[http][static]") {
  WebRoot root;
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) {
    c.web_root = (root.dir / "web").string();
    c.model_dir = (root.dir / "models").string();
  });
  auto http = server.client();

  auto index = http.get("/");
  REQUIRE(index.status == 200);
  CHECK(index.header("content-type") == "text/html; charset=utf-8");
  CHECK(index.body == "<!doctype html><title>Swirl</title>");
  CHECK(index.header("cache-control") == "no-cache");
  CHECK_FALSE(index.header("etag").empty());

  auto js = http.get("/assets/app-3f9a1c.js");
  CHECK(js.status == 200);
  CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
  CHECK_THAT(js.header("cache-control"), Catch::Contains("immutable"));
  CHECK(http.get("/assets/app-3f9a1c.css").header("content-type") == "text/css; charset=utf-8");
  CHECK(http.get("/favicon.svg").header("content-type") == "image/svg+xml");
  CHECK(http.get("/sub/page.json").header("content-type") == "application/json");

  auto etag = js.header("etag");
  auto cached = http.request("GET", "/assets/app-3f9a1c.js", {}, {{"If-None-Match", etag}});
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());
  CHECK(cached.header("etag") == etag);
  CHECK(http.request("GET", "/assets/app-3f9a1c.js", {}, {{"If-None-Match", "\"other\""}}).status == 200);
  CHECK(http.request("GET", "/assets/app-3f9a1c.js", {}, {{"If-None-Match", "\"x\", W/" + etag}}).status == 304);

  auto head = http.request("HEAD", "/assets/app-3f9a1c.js");
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == std::to_string(std::string("console.log('hi')").size()));
  CHECK(head.body.empty());

  auto model = http.get("/models/bodypix/model.json");
  CHECK(model.status == 200);
  CHECK(model.header("content-type") == "application/json");
  CHECK_THAT(model.header("cache-control"), Catch::Contains("immutable"));
  // --model-dir replaces the web root's models/ folder entirely.
  CHECK(http.get("/models/bodypix/m-1/model.json").status == 404);
}

TEST_CASE("without --model-dir, /models/ is the web root's (the vendored model) and /tfjs/ serves WASM",
          "[http][static]") {
  WebRoot root;
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) { c.web_root = (root.dir / "web").string(); });
  auto http = server.client();
  auto model = http.get("/models/bodypix/m-1/model.json");
  CHECK(model.status == 200);
  CHECK(model.body == "{\"format\":\"vendored\"}");
  CHECK(model.header("content-type") == "application/json");
  CHECK(model.header("cache-control") == "public, max-age=31536000, immutable");
  CHECK(http.get("/models/bodypix/model.json").status == 404);

  auto wasm = http.get("/tfjs/4.22.0/tfjs-backend-wasm-simd.wasm");
  CHECK(wasm.status == 200);
  CHECK(wasm.header("content-type") == "application/wasm");  // WebAssembly.instantiateStreaming needs it
  CHECK(wasm.header("cache-control") == "public, max-age=31536000, immutable");
  // A missing model file is a 404, not the SPA's index.html.
  CHECK(http.get("/models/bodypix/m-1/group1-shard1of1.bin").status == 404);
  CHECK(http.get("/favicon.svg").header("cache-control") == "no-cache");
}

TEST_CASE("SPA fallback serves index.html for client routes but not for assets or the API", "[http][static]") {
  WebRoot root;
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) {
    c.web_root = (root.dir / "web").string();
    c.model_dir = (root.dir / "models").string();
  });
  auto http = server.client();
  auto route = http.get("/l/k3J9sQ2mXa7Lp0Zt?x=1");
  CHECK(route.status == 200);
  CHECK(route.body == "<!doctype html><title>Swirl</title>");
  CHECK(route.header("content-type") == "text/html; charset=utf-8");

  auto missing_asset = http.get("/assets/gone-123.js");
  CHECK(missing_asset.status == 404);
  CHECK(missing_asset.error_code() == "not_found");
  CHECK(http.get("/missing.png").status == 404);
  CHECK(http.get("/models/none/model.json").status == 404);
  CHECK(http.get("/api/unknown").error_code() == "not_found");

  // No escaping the web root, encoded or not.
  CHECK(http.get("/../secret.txt").status == 404);
  CHECK(http.get("/%2e%2e/secret.txt").status == 404);
  CHECK(http.get("/assets/..%2f..%2fsecret.txt").status == 404);
  CHECK(http.get("/models/..%2f..%2fsecret.txt").status == 404);
  CHECK(http.request("POST", "/index.html", "{}").status == 405);
}

TEST_CASE("without a built client the server shows a placeholder page", "[http][static]") {
  auto empty = temp_dir();
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) { c.web_root = empty; });
  auto r = server.client().get("/");
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::Contains("Swirl"));
}

TEST_CASE("health reports the database", "[http]") {
  TestServer server(Backend::sqlite);
  auto r = server.client().get("/api/health");
  CHECK(r.status == 200);
  CHECK(r.json()["status"] == "ok");
}

TEST_CASE("an unexpected server-side failure is a JSON 500 that reveals no internals", "[http]") {
  // Without the token cache, which holds Ada from her creation: /api/me must read the database.
  TestServer server(Backend::sqlite, [](swirl::core::Config& c) { c.token_cache_ttl = std::chrono::milliseconds(0); });
  auto http = server.client();
  auto [id, token] = http.create_user("Ada");
  // Break the database underneath the running server: every users query now fails.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(server.database_url().substr(7).c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TABLE users", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto r = http.get("/api/me", token);
  CHECK(r.status == 500);
  CHECK(r.error_code() == "internal");
  CHECK(r.json()["error"]["message"] == "internal server error");
  CHECK(r.body.find("users") == std::string::npos);
  // The server itself goes on.
  CHECK(http.get("/api/health").status == 200);
}
