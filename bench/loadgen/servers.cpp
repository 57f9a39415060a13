#include "servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "workers.hpp"

extern char** environ;

namespace bench {

namespace {
constexpr auto kStartTimeout = std::chrono::seconds(20);  // a server that does not listen by then failed
constexpr auto kStopGrace = std::chrono::seconds(5);      // SIGTERM, then SIGKILL

bool port_open(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}
}  // namespace

std::uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

ServerProcess start_process(const std::string& kind, const std::vector<std::string>& argv, std::uint16_t port,
                            const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("could not start " + argv[0]);
  track_child(pid);
  ServerProcess p{kind, pid, port};
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!port_open(port)) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      untrack_child(pid);
      throw std::runtime_error(kind + " exited at start; see " + log_path);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop_process(p);
      throw std::runtime_error(kind + " did not listen on port " + std::to_string(port) + "; see " + log_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return p;
}

void stop_process(ServerProcess& p) {
  if (p.pid <= 0) return;
  kill(p.pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  for (;;) {
    if (waitpid(p.pid, nullptr, WNOHANG) == p.pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(p.pid, SIGKILL);
      waitpid(p.pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  untrack_child(p.pid);
  p.pid = -1;
}

}  // namespace bench
