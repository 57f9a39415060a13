// Static files that must not be served (issue 19): symlinks that lead out of the web root or
// the model directory, and source maps.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "support/databases.hpp"
#include "support/test_server.hpp"

using namespace swirl::test;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// A web root and a model directory, next to files that are not theirs, with links planted in
// both: to a file outside, to a directory outside, and (allowed) to a file inside.
struct Roots {
  fs::path dir = temp_dir();
  fs::path web = dir / "web";
  fs::path models = dir / "models";
  Roots() {
    write_file(web / "index.html", "<!doctype html><title>Swirl</title>");
    write_file(web / "favicon.svg", "<svg/>");
    write_file(web / "assets" / "app-3f9a1c.js", "console.log('hi')");
    write_file(web / "assets" / "app-3f9a1c.js.map", R"({"version":3,"sources":["../src/secret.ts"]})");
    write_file(models / "bodypix" / "model.json", "{\"format\":\"graph-model\"}");
    write_file(dir / "outside" / "secret.txt", "do not serve");
    write_file(dir / "secret.db", "SQLite format 3");
    fs::create_symlink(dir / "secret.db", web / "swirl.db");         // a file outside, absolute
    fs::create_symlink("../outside/secret.txt", web / "notes.txt");  // a file outside, relative
    fs::create_symlink(dir / "outside", web / "docs");               // a directory outside
    fs::create_symlink(dir / "outside" / "secret.txt", models / "bodypix" / "weights.bin");
    fs::create_symlink(dir / "outside", models / "extra");
    fs::create_symlink("favicon.svg", web / "icon.svg");                             // inside: fine
    fs::create_symlink("../bodypix/model.json", models / "bodypix" / "alias.json");  // inside: fine
  }
};

}  // namespace

TEST_CASE("symlinks are served only when they resolve inside their root", "[http][static][strict]") {
  Roots roots;
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) {
    c.web_root = roots.web.string();
    c.model_dir = roots.models.string();
  });
  auto http = server.client();
  for (const std::string path :
       {"/swirl.db", "/notes.txt", "/docs/secret.txt", "/models/bodypix/weights.bin", "/models/extra/secret.txt"}) {
    INFO(path);
    auto r = http.get(path);
    CHECK(r.status == 404);
    CHECK(r.body.find("do not serve") == std::string::npos);
    CHECK(r.body.find("SQLite") == std::string::npos);
  }
  // A client route through the directory link gets the app, not the directory.
  auto route = http.get("/docs");
  CHECK(route.status == 200);
  CHECK(route.body.find("<title>Swirl</title>") != std::string::npos);
  // Links that stay inside still work.
  CHECK(http.get("/icon.svg").body == "<svg/>");
  CHECK(http.get("/models/bodypix/alias.json").status == 200);
  CHECK(http.get("/models/bodypix/model.json").status == 200);
}

TEST_CASE("source maps are not served, and the production build makes none", "[http][static][strict]") {
  Roots roots;
  TestServer server(Backend::sqlite, [&](swirl::core::Config& c) {
    c.web_root = roots.web.string();
    c.model_dir = roots.models.string();
  });
  auto http = server.client();
  CHECK(http.get("/assets/app-3f9a1c.js").status == 200);
  auto map = http.get("/assets/app-3f9a1c.js.map");
  CHECK(map.status == 404);
  CHECK(map.body.find("secret.ts") == std::string::npos);

  // The web client as built by scripts/setup.sh (web/vite.config.ts: sourcemap false).
  fs::path dist = fs::path(SWIRL_SOURCE_DIR) / "web" / "dist";
  if (fs::exists(dist)) {
    for (const auto& entry : fs::recursive_directory_iterator(dist)) {
      INFO(entry.path().string());
      CHECK(entry.path().extension() != ".map");
      if (entry.path().extension() == ".js") {
        std::ifstream in(entry.path());
        std::string js((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(js.find("sourceMappingURL") == std::string::npos);
      }
    }
  }
}
