// The history check: what the clients were told against what the final master holds, and when more
// than one node accepted writes.
#include "history.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace fault {

void History::add(Op op) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_.push_back(std::move(op));
}

std::vector<Op> History::ops() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_;
}

namespace {

constexpr size_t kMaxLostExamples = 10;

struct Interval {
  int64_t start = 0;
  int64_t end = 0;
};

// Per node, the merged times during which it accepted writes: each acknowledged probe counts for
// [end_ms, end_ms + gap], and overlapping or touching spans become one.
std::map<std::string, std::vector<Interval>> acceptance(const std::vector<Op>& probes, int64_t gap) {
  std::map<std::string, std::vector<Interval>> raw;
  for (const Op& p : probes)
    if (p.outcome == Outcome::kOk) raw[p.node].push_back({p.end_ms, p.end_ms + gap});
  std::map<std::string, std::vector<Interval>> merged;
  for (auto& [node, spans] : raw) {
    std::sort(spans.begin(), spans.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
    std::vector<Interval>& out = merged[node];
    for (const Interval& s : spans) {
      if (!out.empty() && s.start <= out.back().end) out.back().end = std::max(out.back().end, s.end);
      else out.push_back(s);
    }
  }
  return merged;
}

// Sweeps over every node's acceptance intervals; a window is a maximal time during which at least two
// nodes accept writes. Its node list is every node that accepted at some point inside it.
std::vector<SplitBrain> overlaps(const std::map<std::string, std::vector<Interval>>& by_node) {
  struct Event {
    int64_t at;
    int delta;  // +1 start, -1 end
    const std::string* node;
  };
  std::vector<Event> events;
  for (const auto& [node, spans] : by_node)
    for (const Interval& s : spans) {
      events.push_back({s.start, +1, &node});
      events.push_back({s.end, -1, &node});
    }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
  std::vector<SplitBrain> windows;
  std::map<std::string, int> active;  // node -> intervals open (0 or 1 once the instant is applied)
  std::set<std::string> in_window;
  int64_t window_start = 0;
  for (size_t i = 0; i < events.size();) {
    // Everything that happens at one instant at once: one node stopping exactly when another starts is
    // a clean handover, not a window of length zero.
    int64_t at = events[i].at;
    for (; i < events.size() && events[i].at == at; ++i)
      if ((active[*events[i].node] += events[i].delta) == 0) active.erase(*events[i].node);
    if (active.size() >= 2) {
      if (in_window.empty()) window_start = at;
      for (const auto& [node, open] : active) in_window.insert(node);
    } else if (!in_window.empty()) {
      windows.push_back({{in_window.begin(), in_window.end()}, window_start, at});
      in_window.clear();
    }
  }
  return windows;
}

void append_escaped(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void append_field(std::string& out, const char* name, int64_t value) {
  if (out.back() != '{') out += ',';
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(value);
}

}  // namespace

Findings check(const std::vector<Op>& writes, const std::map<int, std::vector<int64_t>>& final_lists,
               const std::vector<Op>& probes, int64_t merge_gap_ms) {
  Findings f;
  // What each client's list holds, once per seq, and the duplicates and reorders seen on the way.
  std::map<int, std::set<int64_t>> present;
  for (const auto& [client, seqs] : final_lists) {
    std::set<int64_t>& seen = present[client];
    std::set<int64_t> counted_dup;
    for (size_t i = 0; i < seqs.size(); ++i) {
      if (!seen.insert(seqs[i]).second && counted_dup.insert(seqs[i]).second) ++f.duplicated;
      if (i > 0 && seqs[i] <= seqs[i - 1]) ++f.reordered;
    }
  }
  for (const Op& w : writes) {
    auto it = present.find(w.client);
    bool there = it != present.end() && it->second.count(w.seq) > 0;
    switch (w.outcome) {
      case Outcome::kOk:
        ++f.acknowledged;
        if (!there) {
          ++f.lost;
          if (f.lost_examples.size() < kMaxLostExamples) f.lost_examples.push_back(w);
        }
        break;
      case Outcome::kFailed:
        ++f.failed;
        if (there) ++f.failed_but_present;
        break;
      case Outcome::kUnknown:
        ++f.unknown;
        if (there) ++f.unknown_present;
        break;
    }
  }
  f.split_brain = overlaps(acceptance(probes, merge_gap_ms));
  for (const SplitBrain& w : f.split_brain) f.split_brain_ms += w.end_ms - w.start_ms;
  return f;
}

std::string to_json(const Findings& f) {
  std::string out = "{";
  append_field(out, "acknowledged", f.acknowledged);
  append_field(out, "failed", f.failed);
  append_field(out, "unknown", f.unknown);
  append_field(out, "lost", f.lost);
  append_field(out, "duplicated", f.duplicated);
  append_field(out, "reordered", f.reordered);
  append_field(out, "failed_but_present", f.failed_but_present);
  append_field(out, "unknown_present", f.unknown_present);
  append_field(out, "split_brain_ms", f.split_brain_ms);
  out += ",\"lost_examples\":[";
  for (size_t i = 0; i < f.lost_examples.size() && i < kMaxLostExamples; ++i) {
    const Op& op = f.lost_examples[i];
    if (i > 0) out += ',';
    out += '{';
    append_field(out, "client", op.client);
    append_field(out, "seq", op.seq);
    out += ",\"node\":";
    append_escaped(out, op.node);
    append_field(out, "start_ms", op.start_ms);
    append_field(out, "end_ms", op.end_ms);
    out += '}';
  }
  out += "],\"split_brain\":[";
  for (size_t i = 0; i < f.split_brain.size(); ++i) {
    const SplitBrain& w = f.split_brain[i];
    if (i > 0) out += ',';
    out += "{\"nodes\":[";
    for (size_t n = 0; n < w.nodes.size(); ++n) {
      if (n > 0) out += ',';
      append_escaped(out, w.nodes[n]);
    }
    out += ']';
    append_field(out, "start_ms", w.start_ms);
    append_field(out, "end_ms", w.end_ms);
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace fault
