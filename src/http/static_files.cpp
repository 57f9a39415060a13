#include "swirl/http/static_files.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace swirl::http {
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 64ULL << 20;  // refuse to load anything larger into memory

struct LoadedFile {
  bool found = false;
  std::string body;
  std::string etag;
  std::string content_type;
  bool immutable = false;
};

bool safe_segment(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos && s.find('\\') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

// Source maps would hand anyone the client's sources; the production build makes none, and
// any left in a web root are not served.
bool is_source_map(const fs::path& path) { return path.extension() == ".map"; }

// `path` as the file it really is, if that is a regular file inside `root`. A symlink may
// point anywhere (an operator's mistake, or a link planted in a shared directory): what it
// resolves to must itself be under the root, or it is treated as missing.
std::optional<fs::path> resolve_inside(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  auto real_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  auto real = fs::canonical(path, ec);
  if (ec) return std::nullopt;
  if (std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end()).first != real_root.end())
    return std::nullopt;
  if (!fs::is_regular_file(fs::status(real, ec)) || ec) return std::nullopt;
  return real;
}

std::optional<LoadedFile> load(const fs::path& root, const fs::path& requested) {
  if (is_source_map(requested)) return std::nullopt;
  auto resolved = resolve_inside(root, requested);
  if (!resolved) return std::nullopt;
  const fs::path& path = *resolved;
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return std::nullopt;
  auto mtime = fs::last_write_time(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  LoadedFile f;
  f.found = true;
  f.body.resize(size);
  in.read(f.body.data(), static_cast<std::streamsize>(size));
  f.body.resize(static_cast<std::size_t>(in.gcount()));
  std::ostringstream etag;
  etag << '"' << std::hex << f.body.size() << '-' << mtime.time_since_epoch().count() << '"';
  f.etag = etag.str();
  f.content_type = mime_type_for(requested.extension().string());
  return f;
}

bool etag_matches(std::string_view if_none_match, const std::string& etag) {
  if (if_none_match == "*") return true;
  std::size_t pos = 0;
  while (pos < if_none_match.size()) {
    auto comma = if_none_match.find(',', pos);
    auto item = if_none_match.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.rfind("W/", 0) == 0) item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

// Paths (the request target, whichever directory serves it) whose files never change under
// the same name.
bool long_lived_path(std::string_view target) {
  for (std::string_view prefix : {"/assets/", "/models/", "/tfjs/"})
    if (target.substr(0, prefix.size()) == prefix) return true;
  return false;
}

}  // namespace

std::string mime_type_for(const std::string& ext_in) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".avif", "image/avif"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".otf", "font/otf"},
      {".wasm", "application/wasm"},
      {".txt", "text/plain; charset=utf-8"},
      {".bin", "application/octet-stream"},
      {".mp3", "audio/mpeg"},
      {".ogg", "audio/ogg"},
      {".wav", "audio/wav"},
      {".mp4", "video/mp4"},
      {".webm", "video/webm"},
  };
  std::string ext;
  for (char c : ext_in) ext += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

StaticFiles::StaticFiles(fs::path root, core::BlockingPool& pool, bool spa_fallback, std::string placeholder_html)
    : root_(std::move(root)),
      pool_(pool),
      spa_fallback_(spa_fallback),
      placeholder_html_(std::move(placeholder_html)) {}

boost::asio::awaitable<Response> StaticFiles::serve(const Request& req, std::vector<std::string> segments) const {
  for (const auto& s : segments)
    if (!safe_segment(s)) throw ApiError(Status::not_found, "not_found", "no such file");

  const bool is_asset_dir = !segments.empty() && segments.front() == "assets";
  const bool has_extension = !segments.empty() && segments.back().find('.') != std::string::npos;

  auto file = co_await pool_.run([this, segments]() -> LoadedFile {
    fs::path p = root_;
    for (const auto& s : segments) p /= s;
    if (segments.empty()) p /= "index.html";
    if (auto f = load(root_, p)) return std::move(*f);
    // A directory with an index.html.
    if (auto f = load(root_, p / "index.html")) return std::move(*f);
    return LoadedFile{};
  });

  if (!file.found && spa_fallback_ && (segments.empty() || (!has_extension && !is_asset_dir))) {
    file = co_await pool_.run([this]() -> LoadedFile {
      if (auto f = load(root_, root_ / "index.html")) return std::move(*f);
      return LoadedFile{};
    });
    if (!file.found && !placeholder_html_.empty()) {
      file.found = true;
      file.body = placeholder_html_;
      file.content_type = "text/html; charset=utf-8";
      file.etag = "\"placeholder-" + std::to_string(placeholder_html_.size()) + "\"";
    }
    if (file.found) file.content_type = "text/html; charset=utf-8";
  }
  if (!file.found) throw ApiError(Status::not_found, "not_found", "no such file");

  // Vite puts content-hashed files under /assets/: they never change under the same name. The
  // BodyPix weights (/models/<model>/) and the TF.js WASM binaries (/tfjs/<version>/) are named
  // by their version in the same way, and a new version gets a new folder.
  const std::string cache = long_lived_path(req.target()) ? "public, max-age=31536000, immutable" : "no-cache";
  if (etag_matches(req[bhttp::field::if_none_match], file.etag)) {
    Response res{Status::not_modified, req.version()};
    res.set(bhttp::field::etag, file.etag);
    res.set(bhttp::field::cache_control, cache);
    res.keep_alive(req.keep_alive());
    co_return res;
  }
  Response res{Status::ok, req.version()};
  res.set(bhttp::field::content_type, file.content_type);
  res.set(bhttp::field::etag, file.etag);
  res.set(bhttp::field::cache_control, cache);
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(file.body);
  res.prepare_payload();
  co_return res;
}

}  // namespace swirl::http
