#pragma once
// Maps method + path pattern ("/api/lobbies/{id}") to an asynchronous handler. Unknown paths
// get a JSON 404, a known path with the wrong method a JSON 405 with an Allow header, and any
// exception a handler throws becomes a JSON error (ApiError keeps its status; database outages
// become 503; anything else 500 and a log line).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "swirl/http/types.hpp"

namespace swirl::http {

struct RequestContext {
  const Request& request;
  std::map<std::string, std::string> params;  // from {name} segments of the pattern
  std::string remote_address;

  const std::string& param(const std::string& name) const { return params.at(name); }
};

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

class Router {
 public:
  void add(bhttp::verb method, std::string pattern, Handler handler);

  // Fallback for GET/HEAD requests outside /api/ (the static file server).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }

  // Also counts the request in core::metrics().http under its route's pattern ("static" for
  // the fallback, "unmatched" for 404/405 and bad paths).
  boost::asio::awaitable<Response> dispatch(const Request& req, std::string remote_address) const;

 private:
  boost::asio::awaitable<Response> dispatch_route(const Request& req, std::string remote_address,
                                                  std::string& route) const;

  struct Route {
    std::string pattern;
    bhttp::verb method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler fallback_;
};

// Splits a request target into decoded path segments ("/a/b%20c?x" -> {"a","b c"}). Returns
// false when the path is not valid percent-encoding.
bool split_path(std::string_view target, std::vector<std::string>& out);

}  // namespace swirl::http
