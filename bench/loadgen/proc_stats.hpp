#pragma once
// The server process seen from outside, through /proc/PID: resident memory, CPU time split
// into user and system, open file descriptors. Nothing here runs inside the measured server.

#include <sys/types.h>

#include <cstdint>

namespace bench {

struct ProcSample {
  double user_s = 0;            // utime, clock-tick resolution (10 ms)
  double sys_s = 0;             // stime, clock-tick resolution
  std::uint64_t runtime_ns = 0;  // sum of every thread's schedstat run time: precise total
  long rss_kib = 0;
  int fds = 0;
  bool ok = false;
};

ProcSample sample_proc(pid_t pid);

// CPU used between two samples: the precise total, split into user and system in the ratio
// of the tick counters (which alone are too coarse for short windows).
struct CpuDelta {
  double total_us = 0;
  double user_us = 0;
  double sys_us = 0;
};
CpuDelta cpu_between(const ProcSample& before, const ProcSample& after);

}  // namespace bench
