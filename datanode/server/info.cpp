#include "datanode/server/info.h"

#include "datanode/cluster/cluster.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <map>

#include "common/memory/allocator.h"
#include "common/util/clock.h"
#include "common/util/strings.h"
#include "datanode/memory/memory.h"
#include "datanode/persistence/persistence.h"
#include "datanode/scripting/scripting.h"
#include "datanode/server/blocking.h"
#include "datanode/server/pubsub.h"
#include "datanode/server/server.h"
#include "datanode/server/tracking.h"
#include "datanode/server/watch.h"

namespace datanode {
namespace {

constexpr const char* kRedisVersion = "7.0.15";
constexpr const char* kDatanodeVersion = "0.1.0";

class Section {
 public:
  explicit Section(std::string& out) : out_(out) {}
  void str(std::string_view name, std::string_view value) {
    out_.append(name.data(), name.size());
    out_.append(":", 1);
    out_.append(value.data(), value.size());
    out_.append("\r\n", 2);
  }
  void num(std::string_view name, int64_t v) { str(name, std::to_string(v)); }
  void unum(std::string_view name, uint64_t v) { str(name, std::to_string(v)); }
  void fixed(std::string_view name, double v, int decimals) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    str(name, buf);
  }

 private:
  std::string& out_;
};

std::string executable_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string absolute_path(const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return p;
  return std::string(cwd) + "/" + p;
}

int64_t total_system_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? static_cast<int64_t>(pages) * size : 0;
}

void write_server(Server& s, Section& w) {
  utsname u{};
  uname(&u);
  int64_t uptime = (util::mono_ms() - s.start_time_ms()) / 1000;
  w.str("redis_version", kRedisVersion);
  w.str("redis_git_sha1", "00000000");
  w.str("redis_git_dirty", "0");
  w.str("redis_build_id", "0");
  w.str("datanode_version", kDatanodeVersion);
  w.str("redis_mode", "standalone");
  w.str("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  w.num("arch_bits", sizeof(void*) * 8);
  w.str("monotonic_clock", "POSIX clock_gettime");
  w.str("multiplexing_api", "libuv");
  w.str("atomicvar_api", "c11-builtin");
#if defined(__GNUC__) && !defined(__clang__)
  w.str("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                           std::to_string(__GNUC_PATCHLEVEL__));
#else
  w.str("gcc_version", "0.0.0");
#endif
  w.num("process_id", getpid());
  w.str("process_supervised", "no");
  w.str("run_id", s.run_id());
  w.num("tcp_port", s.settings().port);
  w.num("server_time_usec", util::unix_us());
  w.num("uptime_in_seconds", uptime);
  w.num("uptime_in_days", uptime / 86400);
  w.num("hz", s.settings().hz);
  w.num("configured_hz", s.settings().hz);
  w.num("lru_clock", (util::unix_ms() / 1000) & ((1 << 24) - 1));
  w.str("executable", executable_path());
  w.str("config_file", absolute_path(s.registry().path()));
  w.num("io_threads_active", 0);
  if (int64_t left = s.persistence().shutdown().remaining_ms(util::mono_ms()); left >= 0)
    w.num("shutdown_in_milliseconds", left);
}

void write_clients(Server& s, Section& w) {
  size_t max_in = 0, max_out = 0;
  for (const auto& [id, c] : s.clients()) {
    if (c->conn == nullptr) continue;
    max_in = std::max(max_in, c->conn->input().size());
    max_out = std::max(max_out, c->conn->pending_output());
  }
  w.unum("connected_clients", s.clients().size());
  w.unum("cluster_connections", s.cluster() ? s.cluster()->connection_count() : 0);
  w.num("maxclients", s.settings().maxclients);
  w.unum("client_recent_max_input_buffer", max_in);
  w.unum("client_recent_max_output_buffer", max_out);
  w.unum("blocked_clients", s.blocking().blocked_clients());
  w.num("tracking_clients", static_cast<int64_t>(s.tracking().tracking_clients()));
  w.num("clients_in_timeout_table", 0);
}

void write_memory(Server& s, Section& w) {
  allocator::Stats alloc = allocator::stats();
  int64_t used = alloc.allocated;
  int64_t rss = process_rss_bytes();
  s.note_memory_peak(used);
  int64_t peak = std::max(s.memory_peak(), used);
  int64_t startup = s.memory_startup();
  int64_t clients_mem = 0;
  for (const auto& [id, c] : s.clients()) {
    if (c->conn == nullptr) continue;
    clients_mem += static_cast<int64_t>(c->conn->input().capacity() + c->conn->pending_output());
  }
  int64_t overhead = startup + clients_mem;
  int64_t dataset = std::max<int64_t>(0, used - overhead);
  auto pct = [](int64_t a, int64_t b) { return b > 0 ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  int64_t total = total_system_memory();
  w.num("used_memory", used);
  w.str("used_memory_human", bytes_to_human(used));
  w.num("used_memory_rss", rss);
  w.str("used_memory_rss_human", bytes_to_human(rss));
  w.num("used_memory_peak", peak);
  w.str("used_memory_peak_human", bytes_to_human(peak));
  {
    char b[32];
    snprintf(b, sizeof b, "%.2f%%", pct(used, peak));
    w.str("used_memory_peak_perc", b);
  }
  w.num("used_memory_overhead", overhead);
  w.num("used_memory_startup", startup);
  w.num("used_memory_dataset", dataset);
  {
    char b[32];
    snprintf(b, sizeof b, "%.2f%%", pct(dataset, used - startup));
    w.str("used_memory_dataset_perc", b);
  }
  // Redis' allocator_* fields: active/allocated is fragmentation inside the allocator's pages,
  // resident/active what it keeps mapped beyond them, rss/resident what the rest of the process adds.
  int64_t active = std::max(alloc.active, used), resident = std::max(alloc.resident, active);
  auto ratio = [](int64_t a, int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  w.num("allocator_allocated", used);
  w.num("allocator_active", active);
  w.num("allocator_resident", resident);
  w.num("total_system_memory", total);
  w.str("total_system_memory_human", bytes_to_human(total));
  for (const auto& [name, value] : scripting_memory_info(s)) w.str(name, value);
  w.num("maxmemory", s.settings().maxmemory);
  w.str("maxmemory_human", bytes_to_human(s.settings().maxmemory));
  w.str("maxmemory_policy", s.settings().maxmemory_policy);
  w.fixed("allocator_frag_ratio", ratio(active, used), 2);
  w.num("allocator_frag_bytes", active - used);
  w.fixed("allocator_rss_ratio", ratio(resident, active), 2);
  w.num("allocator_rss_bytes", resident - active);
  w.fixed("rss_overhead_ratio", ratio(rss, resident), 2);
  w.num("rss_overhead_bytes", rss - resident);
  w.fixed("mem_fragmentation_ratio", ratio(rss, used), 2);
  w.num("mem_fragmentation_bytes", rss - used);
  Memory* memory = s.memory();
  int64_t replicas_mem = memory ? memory->not_counted() : 0;
  w.num("mem_not_counted_for_evict", replicas_mem);
  w.num("mem_replication_backlog", 0);
  w.num("mem_clients_slaves", replicas_mem);
  w.num("mem_clients_normal", clients_mem);
  w.num("mem_aof_buffer", 0);
  w.str("mem_allocator", allocator::name());
  w.num("active_defrag_running", 0);
  w.num("lazyfree_pending_objects", 0);
  w.num("lazyfreed_objects", 0);
}

// Used only when no subsystem registered a "persistence" section.
void write_default_persistence(Server& s, Section& w) {
  w.num("loading", s.loading() ? 1 : 0);
  w.num("async_loading", 0);
  w.num("current_cow_peak", 0);
  w.num("current_cow_size", 0);
  w.num("current_cow_size_age", 0);
  w.str("current_fork_perc", "0.00");
  w.num("current_save_keys_processed", 0);
  w.num("current_save_keys_total", 0);
  w.num("rdb_changes_since_last_save", 0);
  w.num("rdb_bgsave_in_progress", 0);
  w.num("rdb_last_save_time", s.lastsave_unix());
  w.str("rdb_last_bgsave_status", "ok");
  w.num("rdb_last_bgsave_time_sec", -1);
  w.num("rdb_current_bgsave_time_sec", -1);
  w.num("rdb_saves", 0);
  w.num("rdb_last_cow_size", 0);
  w.num("rdb_last_load_keys_expired", 0);
  w.num("rdb_last_load_keys_loaded", 0);
  w.num("aof_enabled", s.settings().appendonly ? 1 : 0);
  w.num("aof_rewrite_in_progress", 0);
  w.num("aof_rewrite_scheduled", 0);
  w.num("aof_last_rewrite_time_sec", -1);
  w.num("aof_current_rewrite_time_sec", -1);
  w.str("aof_last_bgrewrite_status", "ok");
  w.num("aof_rewrites", 0);
  w.num("aof_rewrites_consecutive_failures", 0);
  w.str("aof_last_write_status", "ok");
  w.num("aof_last_cow_size", 0);
  w.num("module_fork_in_progress", 0);
  w.num("module_fork_last_cow_size", 0);
}

void write_stats(Server& s, Section& w) {
  const Stats& st = s.stats();
  w.unum("total_connections_received", st.total_connections);
  w.unum("total_commands_processed", st.total_commands);
  w.num("instantaneous_ops_per_sec", s.ops_per_sec());
  w.unum("total_net_input_bytes", st.net_input_bytes);
  w.unum("total_net_output_bytes", st.net_output_bytes);
  w.num("total_net_repl_input_bytes", 0);
  w.num("total_net_repl_output_bytes", 0);
  w.str("instantaneous_input_kbps", "0.00");
  w.str("instantaneous_output_kbps", "0.00");
  w.str("instantaneous_input_repl_kbps", "0.00");
  w.str("instantaneous_output_repl_kbps", "0.00");
  w.unum("rejected_connections", st.rejected_connections);
  w.unum("sync_full", st.sync_full);
  w.unum("sync_partial_ok", st.sync_partial_ok);
  w.unum("sync_partial_err", st.sync_partial_err);
  w.unum("expired_keys", st.expired_keys);
  w.str("expired_stale_perc", "0.00");
  w.num("expired_time_cap_reached_count", 0);
  w.num("expire_cycle_cpu_milliseconds", 0);
  w.unum("evicted_keys", st.evicted_keys);
  Memory* memory = s.memory();
  w.unum("evicted_clients", memory ? memory->evicted_clients() : 0);
  w.num("total_eviction_exceeded_time", memory ? memory->eviction_exceeded_ms() : 0);
  w.num("current_eviction_exceeded_time", memory ? memory->current_eviction_exceeded_ms() : 0);
  w.unum("keyspace_hits", st.keyspace_hits);
  w.unum("keyspace_misses", st.keyspace_misses);
  w.unum("pubsub_channels", s.pubsub().channel_count());
  w.unum("pubsub_patterns", s.pubsub().pattern_count());
  w.unum("pubsubshard_channels", s.pubsub().shard_channel_count());
  w.num("latest_fork_usec", 0);
  w.num("total_forks", 0);
  w.num("migrate_cached_sockets", 0);
  w.num("slave_expires_tracked_keys", 0);
  w.num("active_defrag_hits", 0);
  w.num("active_defrag_misses", 0);
  w.num("active_defrag_key_hits", 0);
  w.num("active_defrag_key_misses", 0);
  w.num("total_active_defrag_time", 0);
  w.num("current_active_defrag_time", 0);
  w.num("tracking_total_keys", static_cast<int64_t>(s.tracking().total_keys()));
  w.num("tracking_total_items", static_cast<int64_t>(s.tracking().total_items()));
  w.num("tracking_total_prefixes", static_cast<int64_t>(s.tracking().total_prefixes()));
  w.unum("unexpected_error_replies", st.unexpected_error_replies);
  w.unum("total_error_replies", st.total_error_replies);
  w.num("dump_payload_sanitizations", 0);
  w.unum("total_reads_processed", st.total_commands);
  w.unum("total_writes_processed", st.total_commands);
  w.num("io_threaded_reads_processed", 0);
  w.num("io_threaded_writes_processed", 0);
  w.unum("client_query_buffer_limit_disconnections", st.client_query_limit_disconnections);
  w.unum("client_output_buffer_limit_disconnections", st.client_output_limit_disconnections);
}

// Used only when no subsystem registered a "replication" section.
void write_default_replication(Server& s, Section& w) {
  w.str("role", s.is_replica() ? "slave" : "master");
  w.num("connected_slaves", 0);
  w.str("master_failover_state", "no-failover");
  w.str("master_replid", s.run_id());
  w.str("master_replid2", std::string(40, '0'));
  w.num("master_repl_offset", 0);
  w.num("second_repl_offset", -1);
  w.num("repl_backlog_active", 0);
  w.num("repl_backlog_size", s.settings().repl_backlog_size);
  w.num("repl_backlog_first_byte_offset", 0);
  w.num("repl_backlog_histlen", 0);
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

void write_cpu(Server&, Section& w) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  w.fixed("used_cpu_sys", seconds(self.ru_stime), 6);
  w.fixed("used_cpu_user", seconds(self.ru_utime), 6);
  w.fixed("used_cpu_sys_children", seconds(children.ru_stime), 6);
  w.fixed("used_cpu_user_children", seconds(children.ru_utime), 6);
  w.fixed("used_cpu_sys_main_thread", seconds(thread.ru_stime), 6);
  w.fixed("used_cpu_user_main_thread", seconds(thread.ru_utime), 6);
}

void write_commandstats(Server& s, Section& w) {
  struct Row {
    uint64_t calls, usec, rejected, failed;
  };
  std::map<std::string, Row> sorted;
  for (const auto& [name, cmd] : s.commands().all()) {
    if (cmd.calls == 0 && cmd.rejected_calls == 0 && cmd.failed_calls == 0) continue;
    // Containers (CLIENT, CONFIG ...) are shown per subcommand, as Redis 7 does; what was refused
    // before a subcommand was known stays on the container.
    if (cmd.has(command::kSubcommands) && cmd.rejected_calls == 0) continue;
    if (cmd.has(command::kSubcommands)) sorted[name] = {0, 0, cmd.rejected_calls, 0};
    else sorted[name] = {cmd.calls, cmd.usec, cmd.rejected_calls, cmd.failed_calls};
  }
  for (const auto& [name, st] : s.subcommand_stats()) sorted[name] = {st.calls, st.usec, 0, st.failed_calls};
  for (const auto& [name, r] : sorted) {
    char buf[256];
    double per_call = r.calls ? static_cast<double>(r.usec) / static_cast<double>(r.calls) : 0;
    snprintf(buf, sizeof buf, "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
             static_cast<unsigned long long>(r.calls), static_cast<unsigned long long>(r.usec), per_call,
             static_cast<unsigned long long>(r.rejected), static_cast<unsigned long long>(r.failed));
    w.str("cmdstat_" + name, buf);
  }
}

void write_errorstats(Server& s, Section& w) {
  std::map<std::string, uint64_t> sorted(s.stats().errors_by_code.begin(), s.stats().errors_by_code.end());
  for (const auto& [code, n] : sorted) w.str("errorstat_" + code, "count=" + std::to_string(n));
}

void write_keyspace(Server& s, Section& w) {
  int64_t now = util::unix_ms();
  for (store::Database& db : s.databases()) {
    if (db.size() == 0) continue;
    w.str("db" + std::to_string(db.index()), "keys=" + std::to_string(db.size()) +
                                                ",expires=" + std::to_string(db.volatile_count()) +
                                                ",avg_ttl=" + std::to_string(db.avg_ttl_ms(now)));
  }
}

struct Builtin {
  const char* name;
  const char* title;
  bool in_default;
  void (*write)(Server&, Section&);
};

void write_nothing(Server&, Section&) {}
void write_cluster(Server& s, Section& w) {
  w.num("cluster_enabled", s.cluster() ? 1 : 0);
  Cluster* cl = s.cluster();
  if (cl == nullptr) return;
  // Resharding progress, beyond Redis' fields: open slots here and what MIGRATE moved.
  const cluster::State& st = cl->state();
  int64_t migrating = 0, importing = 0;
  for (size_t i = 0; i < cluster::kSlots; ++i) {
    migrating += st.migrating_to[i] != nullptr;
    importing += st.importing_from[i] != nullptr;
  }
  const Migrator& m = cl->migrator();
  w.num("cluster_slots_migrating", migrating);
  w.num("cluster_slots_importing", importing);
  w.num("migrate_calls", static_cast<int64_t>(m.migrate_calls));
  w.num("migrate_errors", static_cast<int64_t>(m.migrate_errors));
  w.num("migrate_keys_sent", static_cast<int64_t>(m.keys_sent));
  w.num("migrate_keys_deleted", static_cast<int64_t>(m.keys_deleted));
  w.num("migrate_cached_connections", static_cast<int64_t>(m.cached()));
}

// Redis' order. Persistence and replication are usually provided by the AOF and replication code.
const Builtin kBuiltins[] = {
    {"server", "Server", true, write_server},
    {"clients", "Clients", true, write_clients},
    {"memory", "Memory", true, write_memory},
    {"persistence", "Persistence", true, write_default_persistence},
    {"stats", "Stats", true, write_stats},
    {"replication", "Replication", true, write_default_replication},
    {"cpu", "CPU", true, write_cpu},
    {"modules", "Modules", true, write_nothing},
    {"commandstats", "Commandstats", false, write_commandstats},
    {"errorstats", "Errorstats", true, write_errorstats},
    {"cluster", "Cluster", true, write_cluster},
    {"keyspace", "Keyspace", true, write_keyspace},
};

std::string title_case(const std::string& name) {
  std::string t = name;
  if (!t.empty()) t[0] = static_cast<char>(toupper(static_cast<unsigned char>(t[0])));
  return t;
}

}  // namespace

int64_t malloc_used_bytes() { return allocator::stats().allocated; }

int64_t process_rss_bytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long size = 0, resident = 0;
  int n = fscanf(f, "%lld %lld", &size, &resident);
  fclose(f);
  return n == 2 ? resident * sysconf(_SC_PAGESIZE) : 0;
}

std::string bytes_to_human(int64_t n) {
  char buf[64];
  double d = static_cast<double>(n);
  if (n < 1024) snprintf(buf, sizeof buf, "%lldB", static_cast<long long>(n));
  else if (n < 1024LL * 1024) snprintf(buf, sizeof buf, "%.2fK", d / 1024);
  else if (n < 1024LL * 1024 * 1024) snprintf(buf, sizeof buf, "%.2fM", d / (1024.0 * 1024));
  else if (n < 1024LL * 1024 * 1024 * 1024) snprintf(buf, sizeof buf, "%.2fG", d / (1024.0 * 1024 * 1024));
  else snprintf(buf, sizeof buf, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
  return buf;
}

std::string render_info(Server& server, const std::vector<std::string_view>& sections) {
  bool all = false, everything = false, defaults = sections.empty();
  std::vector<std::string> wanted;
  for (std::string_view s : sections) {
    std::string lower = util::to_lower(s);
    if (lower == "all") all = true;
    else if (lower == "everything") everything = all = true;
    else if (lower == "default") defaults = true;
    else wanted.push_back(std::move(lower));
  }
  auto selected = [&](const std::string& name, bool in_default) {
    if (all || (defaults && in_default)) return true;
    return std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  const auto& registered = server.info_sections();
  auto find_registered = [&](const std::string& name) -> const std::function<void(std::string&)>* {
    for (const auto& [n, writer, in_default] : registered)
      if (n == name) return &writer;
    return nullptr;
  };

  std::string out;
  auto begin_section = [&out](const std::string& title) {
    if (!out.empty()) out += "\r\n";
    out += "# " + title + "\r\n";
  };
  for (const Builtin& b : kBuiltins) {
    std::string name = b.name;
    if (!selected(name, b.in_default)) continue;
    begin_section(b.title);
    if (const auto* writer = find_registered(name)) {
      (*writer)(out);
    } else {
      Section w(out);
      b.write(server, w);
    }
  }
  // Sections of subsystems that have no built-in place go last.
  for (const auto& [name, writer, in_default] : registered) {
    bool builtin = std::any_of(std::begin(kBuiltins), std::end(kBuiltins),
                               [&](const Builtin& b) { return name == b.name; });
    if (builtin || !selected(name, in_default)) continue;
    (void)everything;
    begin_section(title_case(name));
    writer(out);
  }
  return out;
}

}  // namespace datanode
