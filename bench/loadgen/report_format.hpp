#pragma once
// Number formatting and lookups in a run's raw figures, shared by the targets table
// (report.cpp) and the Markdown writer (report_docs.cpp).

#include <cstdio>
#include <string>

#include "net.hpp"

namespace bench {

inline std::string fmt(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The relay row of `kind` at `rate`, or nullptr when that server or rate did not run.
inline const json* find_rate(const json& results, const std::string& kind, double rate) {
  if (!results.contains("relay") || !results["relay"].contains(kind) || !results["relay"][kind].contains("rates"))
    return nullptr;
  for (const auto& r : results["relay"][kind]["rates"])
    if (r["rate"].get<double>() == rate) return &r;
  return nullptr;
}

// A number field, 0 when absent or not a number.
inline double num(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

}  // namespace bench
