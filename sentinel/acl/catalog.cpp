// The commands Redis Sentinel 7.0.15 knows (its command table keeps only the SENTINEL-flagged entries of
// Redis' table), with their arity and ACL categories as COMMAND on redis-sentinel reports them. ACL rules
// on the sentinel port ("+sentinel|get-master-addr-by-name", "-@dangerous") are bitmaps over these.
#include "sentinel/acl/catalog.h"

namespace sentinel {
namespace {

struct Entry {
  const char* name;  // "client|kill" for subcommands, after their container
  int arity;
  const char* categories;
  bool no_auth;
};

constexpr Entry kCommands[] = {
    {"role", 1, "@admin @fast @dangerous", false},
    {"client", -2, "@slow", false},
    {"client|unblock", -3, "@admin @slow @dangerous @connection", false},
    {"client|pause", -3, "@admin @slow @dangerous @connection", false},
    {"client|getname", 2, "@slow @connection", false},
    {"client|info", 2, "@slow @connection", false},
    {"client|id", 2, "@slow @connection", false},
    {"client|caching", 3, "@slow @connection", false},
    {"client|no-evict", 3, "@admin @slow @dangerous @connection", false},
    {"client|tracking", -3, "@slow @connection", false},
    {"client|reply", 3, "@slow @connection", false},
    {"client|help", 2, "@slow @connection", false},
    {"client|unpause", 2, "@admin @slow @dangerous @connection", false},
    {"client|trackinginfo", 2, "@slow @connection", false},
    {"client|setname", 3, "@slow @connection", false},
    {"client|getredir", 2, "@slow @connection", false},
    {"client|list", -2, "@admin @slow @dangerous @connection", false},
    {"client|kill", -3, "@admin @slow @dangerous @connection", false},
    {"shutdown", -1, "@admin @slow @dangerous", false},
    {"auth", -2, "@fast @connection", true},
    {"hello", -1, "@fast @connection", true},
    {"punsubscribe", -1, "@pubsub @slow", false},
    {"info", -1, "@slow @dangerous", false},
    {"acl", -2, "@slow", false},
    {"acl|users", 2, "@admin @slow @dangerous", false},
    {"acl|setuser", -3, "@admin @slow @dangerous", false},
    {"acl|getuser", 3, "@admin @slow @dangerous", false},
    {"acl|load", 2, "@admin @slow @dangerous", false},
    {"acl|dryrun", -4, "@admin @slow @dangerous", false},
    {"acl|deluser", -3, "@admin @slow @dangerous", false},
    {"acl|cat", -2, "@slow", false},
    {"acl|whoami", 2, "@slow", false},
    {"acl|genpass", -2, "@slow", false},
    {"acl|help", 2, "@slow", false},
    {"acl|save", 2, "@admin @slow @dangerous", false},
    {"acl|log", -2, "@admin @slow @dangerous", false},
    {"acl|list", 2, "@admin @slow @dangerous", false},
    {"psubscribe", -2, "@pubsub @slow", false},
    {"ping", -1, "@fast @connection", false},
    {"subscribe", -2, "@pubsub @slow", false},
    {"publish", 3, "@pubsub @fast", false},
    {"sentinel", -2, "@admin @slow @dangerous", false},
    {"sentinel|remove", 3, "@admin @slow @dangerous", false},
    {"sentinel|failover", 3, "@admin @slow @dangerous", false},
    {"sentinel|help", 2, "@slow", false},
    {"sentinel|myid", 2, "@admin @slow @dangerous", false},
    {"sentinel|flushconfig", 2, "@admin @slow @dangerous", false},
    {"sentinel|get-master-addr-by-name", 3, "@admin @slow @dangerous", false},
    {"sentinel|info-cache", -3, "@admin @slow @dangerous", false},
    {"sentinel|monitor", 6, "@admin @slow @dangerous", false},
    {"sentinel|pending-scripts", 2, "@admin @slow @dangerous", false},
    {"sentinel|sentinels", 3, "@admin @slow @dangerous", false},
    {"sentinel|config", -3, "@admin @slow @dangerous", false},
    {"sentinel|debug", -2, "@admin @slow @dangerous", false},
    {"sentinel|replicas", 3, "@admin @slow @dangerous", false},
    {"sentinel|simulate-failure", -3, "@admin @slow @dangerous", false},
    {"sentinel|masters", 2, "@admin @slow @dangerous", false},
    {"sentinel|ckquorum", 3, "@admin @slow @dangerous", false},
    {"sentinel|set", -5, "@admin @slow @dangerous", false},
    {"sentinel|master", 3, "@admin @slow @dangerous", false},
    {"sentinel|slaves", 3, "@admin @slow @dangerous", false},
    {"sentinel|is-master-down-by-addr", 6, "@admin @slow @dangerous", false},
    {"sentinel|reset", 3, "@admin @slow @dangerous", false},
    {"unsubscribe", -1, "@pubsub @slow", false},
    {"command", -1, "@slow @connection", false},
    {"command|getkeysandflags", -4, "@slow @connection", false},
    {"command|docs", -2, "@slow @connection", false},
    {"command|count", 2, "@slow @connection", false},
    {"command|getkeys", -4, "@slow @connection", false},
    {"command|help", 2, "@slow @connection", false},
    {"command|list", -2, "@slow @connection", false},
    {"command|info", -2, "@slow @connection", false},
};

}  // namespace

void fill_sentinel_catalog(acl::Catalog& catalog, std::vector<int>& arity) {
  for (const Entry& e : kCommands) {
    std::string_view name = e.name;
    size_t bar = name.find('|');
    int parent = bar == std::string_view::npos ? -1 : catalog.find(name.substr(0, bar));
    catalog.add(name, acl::category_bits_of(e.categories), e.no_auth, parent);
    arity.push_back(e.arity);
  }
}

}  // namespace sentinel
