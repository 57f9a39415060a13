#pragma once
// Starting and stopping the servers under test as child processes on loopback ports.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct ServerProcess {
  std::string kind;  // swirl, peerjs, bare
  pid_t pid = -1;
  std::uint16_t port = 0;
};

std::uint16_t free_port();
// Spawns argv with stdout and stderr appended to log_path, and waits (bounded) until the port
// accepts connections. Throws if it does not.
ServerProcess start_process(const std::string& kind, const std::vector<std::string>& argv, std::uint16_t port,
                            const std::string& log_path);
// SIGTERM, then SIGKILL after a grace period.
void stop_process(ServerProcess& p);

}  // namespace bench
