#include "net.hpp"

#include <algorithm>
#include <charconv>

namespace bench {

void to_json(json& j, const ConnSpec& s) { j = json{{"path", s.path}, {"protocol", s.protocol}, {"id", s.id}}; }
void from_json(const json& j, ConnSpec& s) {
  s.path = j.at("path").get<std::string>();
  s.protocol = j.value("protocol", "");
  s.id = j.value("id", "");
}

asio::awaitable<beast::error_code> WsClient::open(std::uint16_t port, const ConnSpec& spec) {
  auto& tcp_layer = beast::get_lowest_layer(ws_);
  tcp_layer.expires_after(std::chrono::seconds(30));
  auto [ec] = co_await tcp_layer.async_connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port),
                                               asio::as_tuple(asio::use_awaitable));
  if (ec) co_return ec;
  tcp_layer.socket().set_option(tcp::no_delay(true));
  ws_.set_option(websocket::stream_base::decorator([proto = spec.protocol](websocket::request_type& req) {
    if (!proto.empty()) req.set(beast::http::field::sec_websocket_protocol, proto);
  }));
  auto [hec] =
      co_await ws_.async_handshake("127.0.0.1:" + std::to_string(port), spec.path, asio::as_tuple(asio::use_awaitable));
  if (hec) co_return hec;
  tcp_layer.expires_never();
  websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::client);
  ws_.set_option(t);
  ws_.auto_fragment(false);
  ws_.read_message_max(4 << 20);
  open_ = true;
  co_return beast::error_code{};
}

void WsClient::start_reading(OnMessage on_message, OnClosed on_closed) {
  on_message_ = std::move(on_message);
  on_closed_ = std::move(on_closed);
  asio::co_spawn(
      ws_.get_executor(), [self = shared_from_this()]() { return self->read_loop(); }, asio::detached);
}

asio::awaitable<void> WsClient::read_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, n] = co_await ws_.async_read(buffer_, asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    auto data = buffer_.cdata();
    if (on_message_) on_message_(*this, std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(n);
  }
  closed_ = true;
  queue_.clear();
  if (on_closed_) on_closed_(*this);
}

void WsClient::send(std::string text) { send_shared(std::make_shared<const std::string>(std::move(text))); }

void WsClient::send_shared(std::shared_ptr<const std::string> text) {
  if (closed_ || close_requested_) return;
  queue_.push_back(std::move(text));
  if (!writing_) do_write();
}

void WsClient::do_write() {
  if (queue_.empty()) {
    if (close_requested_ && !close_sent_ && !closed_) {
      close_sent_ = true;
      writing_ = true;
      ws_.async_close(websocket::close_code::normal,
                      [self = shared_from_this()](beast::error_code) { self->writing_ = false; });
    }
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(asio::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    if (ec) {
      self->queue_.clear();
      return;
    }
    self->queue_.pop_front();
    self->do_write();
  });
}

void WsClient::close() {
  asio::dispatch(ws_.get_executor(), [self = shared_from_this()] {
    if (self->closed_ || self->close_requested_) return;
    self->close_requested_ = true;
    if (!self->writing_) self->do_write();
  });
}

asio::awaitable<void> HttpClient::connect(std::uint16_t port) {
  stream_.expires_after(std::chrono::seconds(10));
  co_await stream_.async_connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port), asio::use_awaitable);
}

asio::awaitable<std::pair<int, json>> HttpClient::request(beast::http::verb verb, std::string target, std::string body,
                                                          std::string token) {
  namespace http = beast::http;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.body() = std::move(body);
  req.prepare_payload();
  stream_.expires_after(std::chrono::seconds(30));
  co_await http::async_write(stream_, req, asio::use_awaitable);
  http::response<http::string_body> res;
  co_await http::async_read(stream_, buffer_, res, asio::use_awaitable);
  json parsed = json::parse(res.body(), nullptr, false);
  if (parsed.is_discarded()) parsed = nullptr;
  co_return std::pair<int, json>{res.result_int(), std::move(parsed)};
}

std::vector<std::pair<int, json>> run_http_jobs(std::uint16_t port, const std::vector<HttpJob>& jobs,
                                                std::size_t connections) {
  asio::io_context io;
  std::vector<std::pair<int, json>> results(jobs.size(), {0, nullptr});
  std::size_t next = 0;
  for (std::size_t c = 0; c < std::max<std::size_t>(1, std::min(connections, jobs.size())); ++c) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          HttpClient client(co_await asio::this_coro::executor);
          co_await client.connect(port);
          while (next < jobs.size()) {
            std::size_t i = next++;
            const auto& j = jobs[i];
            for (int attempt = 0; attempt < 3; ++attempt) {  // SQLite may answer 503 under a burst
              results[i] = co_await client.request(j.verb, j.target, j.body, j.token);
              if (results[i].first != 503) break;
            }
          }
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }
  io.run_for(std::chrono::minutes(3));
  return results;
}

json percentiles_ms(std::vector<std::int64_t>& v) {
  if (v.empty()) return json{{"count", 0}};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    return static_cast<double>(v[i]) / 1e6;
  };
  return json{{"count", v.size()},  {"p50_ms", at(0.50)},   {"p90_ms", at(0.90)},
              {"p99_ms", at(0.99)}, {"p999_ms", at(0.999)}, {"max_ms", static_cast<double>(v.back()) / 1e6}};
}

std::int64_t find_int(std::string_view text, std::string_view key) {
  auto pos = text.find(key);
  if (pos == std::string_view::npos) return -1;
  pos += key.size();
  std::int64_t value = -1;
  std::from_chars(text.data() + pos, text.data() + text.size(), value);
  return value;
}

std::string query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto item = rest.substr(0, amp);
    auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return std::string(item.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace bench
