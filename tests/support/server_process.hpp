#pragma once
// A real swirl-server process for multi-process tests (the cluster end-to-end test): started
// from the build's binary on 127.0.0.1 and a free port, its output in a log file, ready once
// /readyz answers 200. It can be signalled (SIGKILL, SIGTERM) like a node in production; the
// destructor kills what is still running.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace swirl::test {

class ServerProcess {
 public:
  // Throws std::runtime_error with the log if the server is not ready within 20 s.
  explicit ServerProcess(const std::vector<std::string>& args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  void signal(int sig);
  // True once the process has exited (within the timeout).
  bool wait_exit(std::chrono::milliseconds timeout);
  std::string log() const;

 private:
  std::string log_path_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace swirl::test
