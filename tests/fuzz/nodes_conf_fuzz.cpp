// libFuzzer target for the nodes.conf reader (datanode/cluster/nodes_conf.cpp): the input is a whole
// file as a crash, a hand edit or another program may leave it (node lines with flags, addresses,
// hostnames, slot ranges and the open-slot markers [slot->-id] / [slot-<-id], the vars line, garbage).
// It must be refused with a reason or loaded, never crash, and memory stays bounded whatever the slot
// ranges say. A file that loads must render to one that loads again and renders the same (ping/pong
// columns aside: they restart from the load time).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "datanode/cluster/nodes_conf.h"

namespace {

// The rendered text without the ping-sent and pong-received columns.
std::string without_times(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    for (size_t i = 0; i < w.size(); ++i)
      if (w[0] == "vars" || (i != 4 && i != 5)) out += w[i] + " ";
    out += "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  cluster::State st;
  std::string err = cluster::parse_nodes_conf(text, st);
  if (!err.empty()) return 0;
  if (st.myself == nullptr) abort();
  // Every slot owner is a node of the table, and the owners' counts add up.
  std::set<const cluster::Node*> table;
  for (auto& [id, n] : st.nodes) table.insert(n.get());
  size_t owned = 0, counted = 0;
  for (size_t s = 0; s < cluster::kSlots; ++s) {
    if (const cluster::Node* n = st.owner[s]) {
      if (!table.count(n) || !cluster::slot_test(n->slots, static_cast<int>(s))) abort();
      ++owned;
    }
    for (const cluster::Node* n : {st.migrating_to[s], st.importing_from[s]})
      if (n != nullptr && !table.count(n)) abort();
  }
  for (auto& [id, n] : st.nodes) counted += static_cast<size_t>(n->numslots);
  if (owned != counted) abort();
  // Handshake nodes are not saved (Redis leaves them out too), so a file naming one cannot round-trip.
  for (auto& [id, n] : st.nodes)
    if (n->has(cluster::kHandshake)) return 0;
  std::string first = cluster::render_nodes_conf(st, 0);
  cluster::State again;
  if (!cluster::parse_nodes_conf(first, again).empty()) abort();
  std::string second = cluster::render_nodes_conf(again, 0);
  if (without_times(first) != without_times(second)) abort();
  return 0;
}
