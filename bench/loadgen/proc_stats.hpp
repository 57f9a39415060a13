#pragma once
// The server process seen from outside, through /proc/PID: resident memory, CPU time split
// into user and system, open file descriptors. Nothing here runs inside the measured server.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace bench {

struct ProcSample {
  double user_s = 0;             // utime, clock-tick resolution (10 ms)
  double sys_s = 0;              // stime, clock-tick resolution
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

// A second user/system split, by sampling: `perf record -e cpu-clock` on the process (every
// thread, ~2 kHz of the process's own CPU time), each sample counted as kernel or user by where
// it landed. The tick counters above sample at 250 Hz of wall time, which a server that runs in
// 20-50 us bursts meets with a bias (notes in bench/notes.md); this split is what perf shows.
// It needs `perf` (linux-perf) and the right to profile the process; otherwise ok is false.
struct SampledSplit {
  bool ok = false;
  double user_fraction = 0;  // of all samples
  std::size_t samples = 0;
  std::string error;  // why not ok
};
class CpuSampler {
 public:
  CpuSampler(pid_t pid, std::string data_file);  // starts perf; returns at once
  ~CpuSampler();
  SampledSplit stop();  // ends the recording and reads it
  CpuSampler(const CpuSampler&) = delete;
  CpuSampler& operator=(const CpuSampler&) = delete;

 private:
  pid_t perf_ = -1;
  std::string file_;
  std::string error_;
};

}  // namespace bench
