#pragma once
// From the raw figures (the JSON written by a run) to the targets table, the printed summary,
// docs/benchmarks.md and the latency plot (gnuplot).

#include <string>
#include <vector>

#include "net.hpp"

namespace bench {

// Date, machine, versions and commit, gathered at the start of a run.
json collect_meta(bool smoke, int io_threads, const std::string& peerjs_dir);

struct TargetRow {
  std::string what;
  std::string swirl;
  std::string reference;  // PeerJS (or the bare relay), same run
  std::string ratio;
  std::string target;
  std::string verdict;  // met, MISSED, n/a
};
std::vector<TargetRow> evaluate(const json& results);
std::string summary_table_text(const std::vector<TargetRow>& rows);
void write_docs(const json& results, const std::vector<TargetRow>& rows, const std::string& docs_dir,
                const std::string& work_dir, const std::string& notes_path);

}  // namespace bench
