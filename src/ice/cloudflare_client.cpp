#include "swirl/ice/cloudflare_client.hpp"

#include <optional>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

namespace swirl::ice {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Url {
  bool tls = false;
  std::string host, port, path;
};

Url parse_url(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    throw std::runtime_error("the API URL is not http(s)");
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) throw std::runtime_error("the API URL has no host");
  return u;
}

template <class Stream>
asio::awaitable<http::response<http::string_body>> exchange(Stream& stream, http::request<http::string_body>& req) {
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kCloudflareMaxAnswerBytes);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return parser.release();
}

asio::awaitable<http::response<http::string_body>> request_once(const Url& url, http::request<http::string_body>& req) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
  if (!url.tls) {
    beast::tcp_stream stream(ex);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    auto res = co_await exchange(stream, req);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return res;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    throw std::runtime_error("cannot set the TLS server name");
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await exchange(stream, req);
}

}  // namespace

std::vector<IceServer> parse_cloudflare_answer(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("iceServers") || !j["iceServers"].is_array())
    throw std::runtime_error("the answer has no iceServers array");
  std::vector<IceServer> out;
  for (const auto& s : j["iceServers"]) {
    if (!s.is_object() || !s.contains("urls")) throw std::runtime_error("an iceServers entry has no urls");
    IceServer server;
    const auto& urls = s["urls"];
    if (urls.is_string()) {
      server.urls.push_back(urls.get<std::string>());
    } else if (urls.is_array()) {
      for (const auto& u : urls) {
        if (!u.is_string()) throw std::runtime_error("an iceServers url is not a string");
        server.urls.push_back(u.get<std::string>());
      }
    } else {
      throw std::runtime_error("iceServers urls is neither a string nor an array");
    }
    for (const char* field : {"username", "credential"})
      if (s.contains(field)) {
        if (!s[field].is_string()) throw std::runtime_error(std::string("iceServers ") + field + " is not a string");
        (field[0] == 'u' ? server.username : server.credential) = s[field].get<std::string>();
      }
    if (server.urls.empty()) throw std::runtime_error("an iceServers entry has no urls");
    out.push_back(std::move(server));
  }
  if (out.empty()) throw std::runtime_error("the answer's iceServers is empty");
  return out;
}

std::vector<IceServer> fetch_cloudflare_ice_servers(const CloudflareRequest& r) {
  Url url = parse_url(r.api_url);
  http::request<http::string_body> req{http::verb::post,
                                       url.path + "/turn/keys/" + r.key_id + "/credentials/generate-ice-servers", 11};
  req.set(http::field::host, url.host);
  req.set(http::field::authorization, "Bearer " + r.api_token);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "swirl-server");
  req.body() = nlohmann::json{{"ttl", r.ttl_s}}.dump();
  req.prepare_payload();

  asio::io_context ioc(1);
  std::optional<http::response<http::string_body>> response;
  std::exception_ptr error;
  asio::co_spawn(ioc, request_once(url, req), [&](std::exception_ptr ep, http::response<http::string_body> res) {
    if (ep)
      error = ep;
    else
      response = std::move(res);
  });
  ioc.run_for(r.timeout);
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("request to " + url.host + " failed: " + e.code().message());
    } catch (const std::exception& e) {
      throw std::runtime_error("request to " + url.host + " failed: " + e.what());
    }
  }
  if (!response)
    throw std::runtime_error("request to " + url.host + " timed out after " + std::to_string(r.timeout.count()) +
                             " ms");
  auto status = response->result_int();
  if (status != 200 && status != 201)
    throw std::runtime_error("request to " + url.host + " answered HTTP " + std::to_string(status));
  return parse_cloudflare_answer(response->body());
}

}  // namespace swirl::ice
