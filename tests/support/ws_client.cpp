// WsClient, what tests call (ws_client_impl.hpp has the inside; ws_client_connection.cpp the io
// thread): send, read what arrived, wait on a predicate, close.
#include "support/ws_client.hpp"

#include "support/ws_client_impl.hpp"

namespace swirl::test {
using json = nlohmann::json;

namespace {

bool is_type(const json& m, const std::string& type) {
  if (!m.is_object()) return false;
  auto it = m.find("type");
  return it != m.end() && it->is_string() && it->get_ref<const std::string&>() == type;
}

}  // namespace

HandshakeRefused::HandshakeRefused(int http_status, std::string response_body)
    : std::runtime_error("WebSocket upgrade refused: HTTP " + std::to_string(http_status) + " " + response_body),
      status(http_status),
      body(std::move(response_body)) {}

std::string HandshakeRefused::error_code() const {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  auto e = j.find("error");
  if (e == j.end() || !e->is_object()) return {};
  auto c = e->find("code");
  if (c == e->end() || !c->is_string()) return {};
  return c->get<std::string>();
}

WsClient::WsClient(unsigned short port, const std::string& target, WsOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->start_thread();
  impl_->connect(port, target);
}

WsClient::~WsClient() = default;  // Impl's destructor closes and joins

void WsClient::send(const nlohmann::json& message) { send_text(message.dump()); }

void WsClient::send_text(const std::string& raw) {
  auto out = std::make_shared<Impl::Outgoing>();
  out->kind = Impl::Outgoing::Kind::text;
  out->payload = raw;
  impl_->send_and_wait(std::move(out));
}

void WsClient::send_binary(const std::string& raw) {
  auto out = std::make_shared<Impl::Outgoing>();
  out->kind = Impl::Outgoing::Kind::binary;
  out->payload = raw;
  impl_->send_and_wait(std::move(out));
}

std::vector<nlohmann::json> WsClient::messages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

std::vector<nlohmann::json> WsClient::messages_of_type(const std::string& type) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<json> out;
  for (const auto& m : impl_->received)
    if (is_type(m, type)) out.push_back(m);
  return out;
}

std::size_t WsClient::count(const std::string& type) const {
  std::lock_guard lock(impl_->mutex);
  std::size_t n = 0;
  for (const auto& m : impl_->received)
    if (is_type(m, type)) ++n;
  return n;
}

nlohmann::json WsClient::wait_for(const std::function<bool(const nlohmann::json&)>& pred,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t next = 0;
  for (;;) {
    // Copy the unseen messages out so that pred runs without the lock (it may call count()).
    std::vector<json> fresh;
    bool ended_now;
    {
      std::unique_lock lock(impl_->mutex);
      impl_->cv.wait_until(lock, deadline, [&] { return impl_->received.size() > next || impl_->ended; });
      fresh.assign(impl_->received.begin() + static_cast<std::ptrdiff_t>(next), impl_->received.end());
      next = impl_->received.size();
      ended_now = impl_->ended;
    }
    for (const auto& m : fresh) {
      bool match = false;
      try {
        match = pred(m);
      } catch (const json::exception&) {
        match = false;  // a predicate written for another message shape
      }
      if (match) return m;
    }
    std::lock_guard lock(impl_->mutex);
    if (impl_->received.size() > next) continue;
    if (ended_now)
      throw std::runtime_error("WsClient::wait_for: the connection ended before a matching message arrived; " +
                               impl_->describe_locked());
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("WsClient::wait_for: no matching message within " + std::to_string(timeout.count()) +
                               " ms; " + impl_->describe_locked());
  }
}

nlohmann::json WsClient::wait_for_type(const std::string& type, std::chrono::milliseconds timeout) {
  try {
    return wait_for([&](const json& m) { return is_type(m, type); }, timeout);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("waiting for \"" + type + "\": " + e.what());
  }
}

nlohmann::json WsClient::wait_for_nth(const std::string& type, std::size_t n, std::chrono::milliseconds timeout) {
  if (n == 0) throw std::invalid_argument("WsClient::wait_for_nth: n is 1-based");
  std::size_t seen = 0;
  try {
    return wait_for([&](const json& m) { return is_type(m, type) && ++seen == n; }, timeout);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("waiting for \"" + type + "\" #" + std::to_string(n) + ": " + e.what());
  }
}

bool WsClient::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->ended; });
}

bool WsClient::closed() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ended;
}

int WsClient::close_code() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->code;
}

std::string WsClient::close_reason() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->reason;
}

std::string WsClient::selected_subprotocol() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->subprotocol;
}

void WsClient::pause_reading() {
  impl_->run_on_io([this] { impl_->paused = true; });
}

void WsClient::resume_reading() {
  impl_->run_on_io([this] {
    impl_->paused = false;
    // Also after a recorded end: frames already buffered may still hold the server's last
    // messages and its close frame; a finished stream just fails the read at once.
    impl_->do_read();
  });
}

void WsClient::close(int code) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->ended) return;
  }
  auto out = std::make_shared<Impl::Outgoing>();
  out->kind = Impl::Outgoing::Kind::close;
  out->close_code = code;
  auto f = impl_->enqueue(out);
  // The close timer drops the socket at options.timeout; this wait only adds a margin.
  f.wait_for(impl_->options.timeout + std::chrono::seconds(1));
  if (!wait_closed(std::chrono::seconds(1))) drop();
}

void WsClient::drop() {
  impl_->run_on_io([this] { impl_->abort_socket(); });
  wait_closed(std::chrono::seconds(5));
}

std::string WsClient::describe() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->describe_locked();
}

}  // namespace swirl::test
