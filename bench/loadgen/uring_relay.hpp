#pragma once
// A second floor for relay costs: the same bare relay as bare_relay.hpp (same URL, same OPEN,
// every text frame forwarded unchanged to the peer), written straight on io_uring instead of
// Asio's epoll reactor. One thread waits, submits and reaps in one io_uring_enter per loop, so a
// relayed message costs about one system call here against three for any epoll server (wait,
// read, write). Its CPU per message is what this machine charges for relaying with the fewest
// system calls: the reference for how far a transport rewrite could take Swirl (bench/notes.md).
//
// Built only when liburing is installed (scripts/setup.sh installs it), and run only where the
// kernel allows io_uring; otherwise the bench says it skipped it.

#include <cstdint>

namespace bench {
bool uring_relay_available();
int run_uring_relay(std::uint16_t port);
}  // namespace bench
