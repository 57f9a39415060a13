#include "support/cloudflare_stand_in.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace swirl::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

CloudflareStandIn::CloudflareStandIn(std::string key_id, std::string api_token)
    : key_id_(std::move(key_id)),
      api_token_(std::move(api_token)),
      acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { ioc_.run(); });
}

CloudflareStandIn::~CloudflareStandIn() {
  ioc_.stop();
  thread_.join();
}

std::vector<CloudflareStandIn::Seen> CloudflareStandIn::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

void CloudflareStandIn::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    serve(std::move(socket));  // one request per connection, served in turn: enough for a test
    accept();
  });
}

void CloudflareStandIn::serve(tcp::socket socket) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::read(socket, buffer, req, ec);
  if (ec) return;
  Seen seen{std::string(req.method_string()),
            std::string(req.target()),
            std::string(req[http::field::authorization]),
            std::string(req[http::field::content_type]),
            req.body(),
            0};

  http::response<http::string_body> res;
  auto body = nlohmann::json::parse(req.body(), nullptr, false);
  std::size_t n = 0;
  {
    std::lock_guard lock(mutex_);
    n = seen_.size() + 1;
  }
  if (fail_with_ != 0) {
    res.result(static_cast<unsigned>(fail_with_.load()));
    res.body() = R"({"error":"stand-in told to fail"})";
  } else if (req.method() != http::verb::post ||
             req.target() != "/v1/turn/keys/" + key_id_ + "/credentials/generate-ice-servers") {
    res.result(http::status::not_found);
  } else if (seen.authorization != "Bearer " + api_token_) {
    res.result(http::status::unauthorized);
  } else if (!body.is_object() || !body.contains("ttl") || !body["ttl"].is_number_integer()) {
    res.result(http::status::bad_request);
  } else {
    // The shape Cloudflare documents, with credentials that differ per request.
    res.result(http::status::created);
    nlohmann::json answer = {
        {"iceServers",
         {{{"urls", {"stun:stun.cloudflare.example:3478"}}},
          {{"urls",
            {"turn:turn.cloudflare.example:3478?transport=udp", "turns:turn.cloudflare.example:5349?transport=tcp"}},
           {"username", "cf-user-" + std::to_string(n)},
           {"credential", "cf-cred-" + std::to_string(n)}}}}};
    res.body() = answer.dump();
  }
  seen.answered = static_cast<int>(res.result_int());
  res.set(http::field::content_type, "application/json");
  res.keep_alive(false);
  res.prepare_payload();
  http::write(socket, res, ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  std::lock_guard lock(mutex_);
  seen_.push_back(std::move(seen));
}

}  // namespace swirl::test
