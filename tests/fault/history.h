// What the fault suite's clients did, what the final master holds, and the check between the two:
// acknowledged writes that were lost, entries duplicated or out of order, and the windows during which
// more than one node accepted writes as a master.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace fault {

// kOk: the client got the acknowledgement it was promised (for sync mode: the write and a WAIT that
// reached enough replicas). kFailed: refused with an error reply, so it must not be present.
// kUnknown: the request was sent but no (or an insufficient) answer came: it may or may not survive.
enum class Outcome { kOk, kFailed, kUnknown };

// One write. Client writes append `seq` to the list "fault:c<client>"; probe writes (client < 0) set a
// key on one node, directly, to learn whether that node accepts writes right now.
struct Op {
  int client = 0;
  int64_t seq = 0;
  std::string node;  // "host:port" the request went to
  int64_t start_ms = 0;  // on the suite's clock (ms since the run started)
  int64_t end_ms = 0;
  Outcome outcome = Outcome::kUnknown;
  std::string error;  // the error reply or I/O error, for the report
};

// Appended to from several client threads.
class History {
 public:
  void add(Op op);
  std::vector<Op> ops() const;

 private:
  mutable std::mutex mu_;
  std::vector<Op> ops_;
};

// A time during which two or more nodes accepted writes.
struct SplitBrain {
  std::vector<std::string> nodes;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

struct Findings {
  int64_t acknowledged = 0;
  int64_t failed = 0;
  int64_t unknown = 0;
  int64_t lost = 0;  // acknowledged, absent from the final master
  std::vector<Op> lost_examples;  // the first few, for the report
  int64_t duplicated = 0;  // a seq present more than once in its client's list
  int64_t reordered = 0;  // a seq not greater than the one before it in its client's list
  int64_t failed_but_present = 0;  // refused with an error, yet present: a bug as serious as a loss
  int64_t unknown_present = 0;  // indeterminate and present: allowed, reported for information
  std::vector<SplitBrain> split_brain;
  int64_t split_brain_ms = 0;  // total length of the windows
};

// `final_lists`: for each client, the seqs its list holds on the final master, in list order.
// `probes`: probe writes; a node "accepts writes" from each acknowledged probe until `merge_gap_ms`
// later, and overlapping acceptance of two nodes is a split-brain window.
Findings check(const std::vector<Op>& writes, const std::map<int, std::vector<int64_t>>& final_lists,
               const std::vector<Op>& probes, int64_t merge_gap_ms = 300);

// One JSON object with the counts and windows (no lost_examples details beyond the first 10).
std::string to_json(const Findings& f);

}  // namespace fault
