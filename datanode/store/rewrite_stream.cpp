// The AOF rewrite of a stream, command for command as Redis' rewriteStreamObject, so a rewritten AOF
// loads the same stream (IDs, counters, groups, PEL with delivery times and counts) on either server.
#include <string>

#include "datanode/store/rewrite.h"

namespace store {

void rewrite_stream(std::string_view key, const stream::Stream& s, const EmitFn& emit) {
  std::vector<std::string_view> argv;
  if (s.length > 0) {
    s.range({0, 0}, stream::ID::max(), false, [&](const stream::EntryView& e) {
      std::string id = e.id.str();
      argv = {"XADD", key, id};
      argv.insert(argv.end(), e.fields.begin(), e.fields.end());
      emit(argv);
      return true;
    });
  } else {
    emit({"XADD", key, "MAXLEN", "0", "0-1", "x", "y"});
  }
  std::string last = s.last_id.str(), added = std::to_string(s.entries_added),
              maxdel = s.max_deleted_id.str();
  emit({"XSETID", key, last, "ENTRIESADDED", added, "MAXDELETEDID", maxdel});
  for (const auto& [name, g] : s.groups) {
    std::string gid = g.last_id.str(), read = std::to_string(g.entries_read);
    emit({"XGROUP", "CREATE", key, name, gid, "ENTRIESREAD", read});
    for (const auto& [cname, c] : g.consumers) {
      if (c.pel.empty()) {
        emit({"XGROUP", "CREATECONSUMER", key, name, cname});
        continue;
      }
      for (const stream::ID& id : c.pel) {
        const stream::PendingEntry& p = g.pel.at(id);
        std::string ids = id.str(), time = std::to_string(p.delivery_time),
                    count = std::to_string(p.delivery_count);
        emit({"XCLAIM", key, name, cname, "0", ids, "TIME", time, "RETRYCOUNT", count, "JUSTID", "FORCE"});
      }
    }
  }
}

}  // namespace store
