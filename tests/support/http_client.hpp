#pragma once
// A plain blocking HTTP/1.1 client for black-box tests: one keep-alive connection to the
// server under test; every call has a timeout.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace swirl::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  nlohmann::json json() const;
  std::string header(const std::string& lower_name) const;
  std::string error_code() const;  // body.error.code
};

class HttpClient {
 public:
  explicit HttpClient(unsigned short port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();

  HttpResult request(const std::string& method, const std::string& target, const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});
  HttpResult get(const std::string& target, const std::optional<std::string>& token = std::nullopt);
  HttpResult post(const std::string& target, const nlohmann::json& body,
                  const std::optional<std::string>& token = std::nullopt);
  HttpResult patch(const std::string& target, const nlohmann::json& body,
                   const std::optional<std::string>& token = std::nullopt);
  HttpResult del(const std::string& target, const std::optional<std::string>& token = std::nullopt);

  // Creates a user and returns {id, token}.
  std::pair<std::string, std::string> create_user(const std::string& name);

 private:
  void connect();
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  unsigned short port_;
  std::chrono::milliseconds timeout_;
};

// Sends raw bytes on a new connection and returns everything the server sends back until it
// closes or the timeout passes.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace swirl::test
