#include "swirl/http/router.hpp"

#include <fmt/format.h>

#include <chrono>

#include "swirl/core/hex.hpp"
#include "swirl/core/metrics.hpp"
#include "swirl/http/errors.hpp"

namespace swirl::http {

bool split_path(std::string_view target, std::vector<std::string>& out) {
  out.clear();
  auto q = target.find_first_of("?#");
  std::string_view path = target.substr(0, q);
  if (path.empty() || path.front() != '/') return false;
  std::size_t i = 1;
  while (i <= path.size()) {
    auto next = path.find('/', i);
    if (next == std::string_view::npos) next = path.size();
    std::string_view raw = path.substr(i, next - i);
    std::string seg;
    seg.reserve(raw.size());
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '%') {
        if (k + 2 >= raw.size()) return false;
        int hi = core::hex_value(raw[k + 1]), lo = core::hex_value(raw[k + 2]);
        if (hi < 0 || lo < 0) return false;
        seg += static_cast<char>(hi * 16 + lo);
        k += 2;
      } else {
        seg += raw[k];
      }
    }
    if (!seg.empty() || next < path.size()) out.push_back(std::move(seg));
    i = next + 1;
  }
  return true;
}

void Router::add(bhttp::verb method, std::string pattern, Handler handler) {
  Route r{pattern, method, {}, std::move(handler)};
  split_path(pattern, r.segments);
  routes_.push_back(std::move(r));
}

boost::asio::awaitable<Response> Router::dispatch(const Request& req, std::string remote_address) const {
  const auto start = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  Response res = co_await dispatch_route(req, std::move(remote_address), route);
  core::metrics().http.record(route, res.result_int(), std::chrono::steady_clock::now() - start);
  co_return res;
}

boost::asio::awaitable<Response> Router::dispatch_route(const Request& req, std::string remote_address,
                                                        std::string& route) const {
  std::vector<std::string> segments;
  if (!split_path(req.target(), segments))
    co_return error_response(req, Status::bad_request, "bad_path", "the request path is not valid");

  const bool is_api = !segments.empty() && segments[0] == "api";
  std::vector<std::string> allowed;
  const Route* match = nullptr;
  std::map<std::string, std::string> params;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> p;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& pat = r.segments[i];
      if (pat.size() > 2 && pat.front() == '{' && pat.back() == '}') {
        if (segments[i].empty())
          ok = false;
        else
          p[pat.substr(1, pat.size() - 2)] = segments[i];
      } else if (pat != segments[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    if (r.method == req.method() || (r.method == bhttp::verb::get && req.method() == bhttp::verb::head)) {
      match = &r;
      params = std::move(p);
      break;
    }
    allowed.emplace_back(bhttp::to_string(r.method));
  }

  const Handler* handler = match ? &match->handler : nullptr;
  if (!handler) {
    if (!allowed.empty()) {
      auto res = error_response(req, Status::method_not_allowed, "method_not_allowed",
                                std::string("method ") + std::string(req.method_string()) + " is not allowed here");
      std::string allow;
      for (const auto& a : allowed) allow += (allow.empty() ? "" : ", ") + a;
      res.set(bhttp::field::allow, allow);
      co_return res;
    }
    if (is_api || !fallback_) co_return error_response(req, Status::not_found, "not_found", "no such API endpoint");
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      auto res = error_response(req, Status::method_not_allowed, "method_not_allowed", "only GET and HEAD serve files");
      res.set(bhttp::field::allow, "GET, HEAD");
      co_return res;
    }
    handler = &fallback_;
    route = "static";
  } else {
    route = match->pattern;
  }

  RequestContext ctx{req, std::move(params), std::move(remote_address)};
  ErrorReply error;
  try {
    co_return co_await (*handler)(ctx);
  } catch (...) {
    error =
        current_error(fmt::format("handler for {} {}", std::string(req.method_string()), std::string(req.target())));
  }
  co_return error_reply_response(req.version(), req.keep_alive(), error);
}

}  // namespace swirl::http
