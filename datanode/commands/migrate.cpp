// MIGRATE: moves keys to another node as DUMP payloads inside RESTORE (RESTORE-ASKING in cluster mode,
// so the target serves them while it is still importing the slot). One pipelined write (AUTH, SELECT
// when the cached connection's database differs, one RESTORE per live key), one reply read per command;
// a key is deleted here only after the target answered OK for it, and the deletions travel to replicas
// and the AOF as one DEL. Texts, retry and error rules as Redis 7.0's migrateCommand.
#include <cerrno>

#include "common/util/clock.h"
#include "datanode/cluster/cluster.h"
#include "datanode/commands/families.h"
#include "datanode/commands/keys_common.h"
#include "datanode/rdb/value_payload.h"

namespace datanode {
namespace {

void append_bulk(std::string& out, std::string_view s) {
  out += "$" + std::to_string(s.size()) + "\r\n";
  out.append(s);
  out += "\r\n";
}

void append_command(std::string& out, std::initializer_list<std::string_view> argv) {
  out += "*" + std::to_string(argv.size()) + "\r\n";
  for (std::string_view a : argv) append_bulk(out, a);
}

void cmd_migrate(Context& ctx) {
  bool copy = false, replace = false;
  std::string_view username, password;
  bool has_password = false, has_username = false;
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - 1 - j;
    std::string_view a = ctx.arg(j);
    if (util::iequals(a, "copy")) {
      copy = true;
    } else if (util::iequals(a, "replace")) {
      replace = true;
    } else if (util::iequals(a, "auth")) {
      if (more == 0) return ctx.syntax_error();
      password = ctx.arg(++j);
      has_password = true;
    } else if (util::iequals(a, "auth2")) {
      if (more < 2) return ctx.syntax_error();
      username = ctx.arg(++j);
      password = ctx.arg(++j);
      has_password = has_username = true;
    } else if (util::iequals(a, "keys")) {
      if (!ctx.arg(3).empty()) {
        return ctx.out.error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
      }
      first_key = j + 1;
      num_keys = ctx.argc() - j - 1;
      break;
    } else {
      return ctx.syntax_error();
    }
  }
  auto timeout = util::parse_int(ctx.arg(5));
  if (!timeout) return ctx.not_integer();
  auto dbid = util::parse_int(ctx.arg(4));
  if (!dbid) return ctx.not_integer();
  int64_t timeout_ms = *timeout <= 0 ? 1000 : *timeout;

  store::Database& db = ctx.db();
  std::vector<std::string_view> keys;
  std::vector<store::Value*> values;
  for (size_t j = 0; j < num_keys; ++j) {
    if (store::Value* v = keys::lookup_read(ctx, ctx.arg(first_key + j))) {
      keys.push_back(ctx.arg(first_key + j));
      values.push_back(v);
    }
  }
  if (keys.empty()) return ctx.out.simple("NOKEY");

  // Outside cluster mode the connection lives for this command only.
  Migrator standalone;
  Cluster* cl = ctx.server.cluster();
  Migrator& mig = cl != nullptr ? cl->migrator() : standalone;
  mig.migrate_calls++;
  std::string host(ctx.arg(1)), port(ctx.arg(2));
  bool may_retry = true;
  std::vector<std::string> deleted;
  for (;;) {
    bool write_error = false;
    Migrator::Conn* cs = mig.get(host, port, timeout_ms);
    if (cs == nullptr) {
      mig.migrate_errors++;
      return ctx.out.error("IOERR error or timeout connecting to the client");
    }
    std::string cmd;
    if (has_password) {
      if (has_username)
        append_command(cmd, {"AUTH", username, password});
      else
        append_command(cmd, {"AUTH", password});
    }
    bool select = cs->last_db != *dbid;
    if (select) append_command(cmd, {"SELECT", std::to_string(*dbid)});
    // Keys that expire while being serialized are skipped (their expiry is what the target would do).
    std::vector<size_t> sent;
    bool cluster_mode = cl != nullptr;
    for (size_t j = 0; j < keys.size(); ++j) {
      int64_t ttl = 0;
      int64_t at = db.expire_at(keys[j]);
      if (at != -1) {
        ttl = at - util::unix_ms();
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      sent.push_back(j);
      std::string payload = rdb::dump_payload(*values[j]);
      std::string ttl_text = std::to_string(ttl);
      std::string_view name = cluster_mode ? "RESTORE-ASKING" : "RESTORE";
      if (replace)
        append_command(cmd, {name, keys[j], ttl_text, payload, "REPLACE"});
      else
        append_command(cmd, {name, keys[j], ttl_text, payload});
    }
    errno = 0;
    std::string auth_reply, select_reply, reply;
    bool socket_error = false, error_from_target = false;
    if (!Migrator::write_all(*cs, cmd, timeout_ms)) {
      write_error = true;
    } else if ((has_password && !Migrator::read_line(*cs, &auth_reply, timeout_ms)) ||
               (select && !Migrator::read_line(*cs, &select_reply, timeout_ms))) {
      socket_error = true;
    }
    size_t replies = 0;
    if (!write_error && !socket_error) {
      for (size_t j : sent) {
        if (!Migrator::read_line(*cs, &reply, timeout_ms)) {
          socket_error = true;
          break;
        }
        ++replies;
        bool failed = (has_password && auth_reply.starts_with('-')) ||
                      (select && select_reply.starts_with('-')) || reply.starts_with('-');
        if (failed) {
          if (!error_from_target) {
            cs->last_db = -1;
            std::string_view err = has_password && auth_reply.starts_with('-') ? auth_reply
                                   : select && select_reply.starts_with('-')   ? select_reply
                                                                               : reply;
            error_from_target = true;
            ctx.out.error("ERR Target instance replied with error: " + std::string(err.substr(1)));
          }
        } else {
          mig.keys_sent++;
          if (!copy) {
            std::string k(keys[j]);
            db.erase(k);
            ctx.server.touch(ctx.client.db, k);
            deleted.push_back(std::move(k));
          }
        }
      }
    }
    int saved_errno = errno;
    if (!deleted.empty()) {
      // What left for good travels to replicas and the AOF as one DEL.
      std::vector<std::string> del{"DEL"};
      del.insert(del.end(), deleted.begin(), deleted.end());
      mig.keys_deleted += deleted.size();
      ctx.changed(static_cast<int64_t>(deleted.size()));
      ctx.propagate_as(std::move(del));
    }
    if (!write_error && !socket_error) {
      if (!error_from_target) {
        cs->last_db = *dbid;
        ctx.out.ok();
      } else {
        mig.migrate_errors++;
      }
      return;
    }
    mig.close(host, port);
    if (error_from_target) return;
    // One silent retry on a fresh connection, only if nothing was acknowledged yet and it was no timeout.
    if (replies == 0 && deleted.empty() && may_retry && saved_errno != ETIMEDOUT) {
      may_retry = false;
      continue;
    }
    mig.migrate_errors++;
    return ctx.out.error(std::string("IOERR error or timeout ") + (write_error ? "writing" : "reading") +
                         " to target instance");
  }
}

}  // namespace

void register_migrate_commands(CommandTable& t) {
  t.add("migrate", -6, command::kWrite, cmd_migrate, 3, 3, 1);
}

}  // namespace datanode
