#include "sentinel/model/sentinel_state.h"

#include <random>

namespace sentinel {

Instance* SentinelState::find_master(std::string_view name) {
  auto it = masters.find(std::string(name));
  return it == masters.end() ? nullptr : it->second.get();
}

Instance* SentinelState::find_master_by_addr(std::string_view ip, int port) {
  for (auto& [name, m] : masters)
    if (m->addr.port == port && m->addr.ip == ip) return m.get();
  return nullptr;
}

namespace {
void mark_dead(Instance& ri) {
  ri.dead = true;
  for (auto& [k, r] : ri.replicas) mark_dead(*r);
  for (auto& [k, s] : ri.sentinels) mark_dead(*s);
}
}  // namespace

void SentinelState::bury(std::unique_ptr<Instance> ri) {
  if (ri == nullptr) return;
  mark_dead(*ri);
  graveyard.push_back(std::move(ri));
}

std::string random_hex_id() {
  std::random_device rd;
  std::mt19937_64 gen((uint64_t{rd()} << 32) ^ rd());
  static const char* hex = "0123456789abcdef";
  std::string id(40, '0');
  for (char& c : id) c = hex[gen() & 15];
  return id;
}

}  // namespace sentinel
