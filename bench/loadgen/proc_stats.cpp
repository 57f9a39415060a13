#include "proc_stats.hpp"

#include <dirent.h>
#include <unistd.h>

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

}  // namespace bench
