#pragma once
// Load-generator worker processes. A process may hold at most 20,000 open files here, so the
// client side of the large scenarios is split across forked workers. The parent and a worker
// talk over a socketpair in JSON lines: the worker reports each phase, the parent answers
// "go" (with parameters) when every worker has reached it, so phases line up across workers.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "net.hpp"

namespace bench {

// The worker's end, used from coroutines on its io_context.
class WorkerChannel {
 public:
  WorkerChannel(asio::io_context& io, int fd) : stream_(io, fd) {}
  void report(const json& message);      // blocking write of one line (small)
  asio::awaitable<json> wait_command();  // the parent's next line
 private:
  asio::posix::stream_descriptor stream_;
  std::string buffer_;
};

using WorkerBody = std::function<void(asio::io_context&, WorkerChannel&, const json& params)>;

// The parent's handle on one worker process.
struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::string buffer;
};

Worker fork_worker(const WorkerBody& body, const json& params);
// Next line from the worker; throws on timeout or when the worker died.
json wait_report(Worker& w, std::chrono::milliseconds timeout);
void send_command(Worker& w, const json& command);
// Waits for every worker's next report.
std::vector<json> wait_all(std::vector<Worker>& ws, std::chrono::milliseconds timeout);
void send_all(std::vector<Worker>& ws, const json& command);
void stop_workers(std::vector<Worker>& ws);

// Every child process the bench started (servers and workers), killed at exit or on a signal.
void track_child(pid_t pid);
void untrack_child(pid_t pid);
void kill_tracked_children();

}  // namespace bench
