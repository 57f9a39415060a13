#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <stdexcept>

namespace swirl::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

nlohmann::json HttpResult::json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("response is not JSON: " + body);
  return j;
}

std::string HttpResult::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpResult::error_code() const {
  auto j = json();
  return j.at("error").at("code").get<std::string>();
}

HttpClient::HttpClient(unsigned short port, std::chrono::milliseconds timeout) : port_(port), timeout_(timeout) {}
HttpClient::~HttpClient() {
  if (stream_) {
    beast::error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

void HttpClient::connect() {
  stream_.emplace(ioc_);
  stream_->expires_after(timeout_);
  stream_->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  buffer_.clear();
}

HttpResult HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!stream_) connect();
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_));
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
      if (headers.find("Content-Type") == headers.end()) req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    beast::error_code ec;
    stream_->expires_after(timeout_);
    bhttp::write(*stream_, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (method == "HEAD") parser.skip(true);
    if (!ec) bhttp::read(*stream_, buffer_, parser, ec);
    if (ec) {
      // A kept-alive connection the server closed in between: reconnect once.
      stream_.reset();
      if (attempt == 0 && (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                           ec == asio::error::broken_pipe || ec == asio::error::eof))
        continue;
      throw std::runtime_error("HTTP " + method + " " + target + " failed: " + ec.message());
    }
    auto res = parser.release();
    HttpResult out;
    out.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) stream_.reset();
    return out;
  }
  throw std::logic_error("unreachable");
}

static std::map<std::string, std::string> auth_header(const std::optional<std::string>& token) {
  if (!token) return {};
  return {{"Authorization", "Bearer " + *token}};
}

HttpResult HttpClient::get(const std::string& target, const std::optional<std::string>& token) {
  return request("GET", target, {}, auth_header(token));
}
HttpResult HttpClient::post(const std::string& target, const nlohmann::json& body,
                            const std::optional<std::string>& token) {
  return request("POST", target, body.dump(), auth_header(token));
}
HttpResult HttpClient::patch(const std::string& target, const nlohmann::json& body,
                             const std::optional<std::string>& token) {
  return request("PATCH", target, body.dump(), auth_header(token));
}
HttpResult HttpClient::del(const std::string& target, const std::optional<std::string>& token) {
  return request("DELETE", target, {}, auth_header(token));
}

std::pair<std::string, std::string> HttpClient::create_user(const std::string& name) {
  auto r = post("/api/users", {{"display_name", name}});
  if (r.status != 201) throw std::runtime_error("create_user failed: " + std::to_string(r.status) + " " + r.body);
  auto j = r.json();
  return {j.at("id").get<std::string>(), j.at("token").get<std::string>()};
}

std::string raw_exchange(unsigned short port, const std::string& bytes, std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::error_code ec;
  asio::write(stream, asio::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    stream.expires_after(timeout);
    auto n = stream.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

}  // namespace swirl::test
