#include "workers.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace bench {

namespace {
std::vector<pid_t>& tracked() {
  static std::vector<pid_t> pids;
  return pids;
}
}  // namespace

void track_child(pid_t pid) { tracked().push_back(pid); }
void untrack_child(pid_t pid) { std::erase(tracked(), pid); }
void kill_tracked_children() {
  for (pid_t pid : tracked()) kill(pid, SIGKILL);
  for (pid_t pid : tracked()) waitpid(pid, nullptr, 0);
  tracked().clear();
}

void WorkerChannel::report(const json& message) {
  std::string line = message.dump() + "\n";
  asio::write(stream_, asio::buffer(line));
}

asio::awaitable<json> WorkerChannel::wait_command() {
  auto n = co_await asio::async_read_until(stream_, asio::dynamic_buffer(buffer_), '\n', asio::use_awaitable);
  json j = json::parse(buffer_.substr(0, n - 1));
  buffer_.erase(0, n);
  co_return j;
}

Worker fork_worker(const WorkerBody& body, const json& params) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair failed");
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    tracked().clear();
    int code = 0;
    try {
      asio::io_context io;
      WorkerChannel channel(io, fds[1]);
      body(io, channel, params);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "worker: %s\n", e.what());
      code = 1;
    }
    std::fflush(nullptr);
    _exit(code);
  }
  close(fds[1]);
  track_child(pid);
  return Worker{pid, fds[0], {}};
}

json wait_report(Worker& w, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = w.buffer.find('\n');
    if (nl != std::string::npos) {
      json j = json::parse(w.buffer.substr(0, nl));
      w.buffer.erase(0, nl + 1);
      return j;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("worker " + std::to_string(w.pid) + " timed out");
    pollfd p{w.fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (r <= 0) continue;
    char buf[65536];
    ssize_t n = read(w.fd, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("worker " + std::to_string(w.pid) + " ended unexpectedly");
    w.buffer.append(buf, static_cast<std::size_t>(n));
  }
}

void send_command(Worker& w, const json& command) {
  std::string line = command.dump() + "\n";
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = write(w.fd, line.data() + off, line.size() - off);
    if (n <= 0) throw std::runtime_error("worker " + std::to_string(w.pid) + " is gone");
    off += static_cast<std::size_t>(n);
  }
}

std::vector<json> wait_all(std::vector<Worker>& ws, std::chrono::milliseconds timeout) {
  std::vector<json> out;
  for (auto& w : ws) out.push_back(wait_report(w, timeout));
  return out;
}

void send_all(std::vector<Worker>& ws, const json& command) {
  for (auto& w : ws) send_command(w, command);
}

void stop_workers(std::vector<Worker>& ws) {
  for (auto& w : ws) {
    if (w.pid <= 0) continue;
    kill(w.pid, SIGKILL);
    waitpid(w.pid, nullptr, 0);
    untrack_child(w.pid);
    close(w.fd);
    w.pid = -1;
  }
  ws.clear();
}

}  // namespace bench
