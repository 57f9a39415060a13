#include "proc_stats.hpp"

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <fcntl.h>

#include <fstream>
#include <sstream>
#include <string>

namespace bench {

namespace {

std::uint64_t threads_runtime_ns(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  std::uint64_t total = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream in(dir + "/" + e->d_name + "/schedstat");
      std::uint64_t run = 0;
      if (in >> run) total += run;
    }
    closedir(d);
  }
  return total;
}

int count_fds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  int n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n;
}

}  // namespace

ProcSample sample_proc(pid_t pid) {
  ProcSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // Fields after the command name, which is in parentheses and may hold spaces.
  auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.user_s = utime / tick;
  s.sys_s = stime / tick;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stol(line.substr(6));
  s.runtime_ns = threads_runtime_ns(pid);
  s.fds = count_fds(pid);
  s.ok = true;
  return s;
}

CpuDelta cpu_between(const ProcSample& before, const ProcSample& after) {
  CpuDelta d;
  double user = after.user_s - before.user_s;
  double sys = after.sys_s - before.sys_s;
  d.total_us = static_cast<double>(after.runtime_ns - before.runtime_ns) / 1e3;
  double ticks_total = user + sys;
  if (d.total_us <= 0) d.total_us = ticks_total * 1e6;
  double user_share = ticks_total > 0 ? user / ticks_total : 0.5;
  d.user_us = d.total_us * user_share;
  d.sys_us = d.total_us - d.user_us;
  return d;
}

// --- sampled split ---------------------------------------------------------------------------------

extern "C" char** environ;

CpuSampler::CpuSampler(pid_t pid, std::string data_file) : file_(std::move(data_file)) {
  std::string target = std::to_string(pid);
  // 1999 Hz of the process's CPU time, every thread, no call graphs: cheap enough to leave the
  // measured CPU within noise (a sample costs a few microseconds, ~1 % of a busy core).
  const char* argv[] = {"perf", "record", "-q",           "-e", "cpu-clock",   "-F",
                        "1999", "-p",     target.c_str(), "-o", file_.c_str(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawnp(&perf_, "perf", &actions, nullptr, const_cast<char**>(argv), environ) != 0) {
    perf_ = -1;
    error_ = "perf is not installed";
  }
  posix_spawn_file_actions_destroy(&actions);
  // perf attaches to every thread of the target before it records; give it that moment.
  if (perf_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

CpuSampler::~CpuSampler() {
  if (perf_ > 0) {
    kill(perf_, SIGKILL);
    waitpid(perf_, nullptr, 0);
  }
  if (!file_.empty()) std::remove(file_.c_str());
}

SampledSplit CpuSampler::stop() {
  SampledSplit out;
  if (perf_ <= 0) {
    out.error = error_;
    return out;
  }
  kill(perf_, SIGINT);  // perf writes its file and exits
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (waitpid(perf_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(perf_, SIGKILL);
      waitpid(perf_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  perf_ = -1;
  // Kernel addresses are in the upper half on x86-64; anything below is user space (the
  // server's code, libraries, or a JIT's).
  std::string cmd = "perf script -i '" + file_ + "' -F ip 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    out.error = "perf script failed";
    return out;
  }
  std::size_t kernel = 0, user = 0;
  char line[256];
  while (std::fgets(line, sizeof line, p)) {
    unsigned long long ip = 0;
    if (std::sscanf(line, " %llx", &ip) != 1) continue;
    (ip >= 0xffff800000000000ULL ? kernel : user)++;
  }
  pclose(p);
  out.samples = kernel + user;
  if (out.samples < 50 || kernel == 0) {
    // Too few to mean anything, or kernel samples withheld (perf_event_paranoid): no split.
    out.error =
        "perf recorded " + std::to_string(out.samples) + " samples (" + std::to_string(kernel) + " in the kernel)";
    return out;
  }
  out.ok = true;
  out.user_fraction = static_cast<double>(user) / static_cast<double>(out.samples);
  return out;
}

}  // namespace bench
