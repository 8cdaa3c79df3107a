// FUNCTION on a node that has no function engine yet: LIST answers an empty library list, DUMP the
// payload of no libraries, RESTORE accepts a payload that holds none, FLUSH has nothing to drop.
// Enough for `redis-cli --cluster add-node`, which copies functions from a cluster node to the new
// one. Replaced by the real FUNCTION family when scripting lands (drop this file and its registration).
#include "common/command/help.h"
#include "datanode/commands/families.h"
#include "datanode/rdb/crc64.h"
#include "datanode/rdb/value_payload.h"

namespace datanode {
namespace {

constexpr uint16_t kRdbVersion = 10;

std::string empty_functions_payload() {
  std::string p;
  p.push_back(static_cast<char>(kRdbVersion & 0xff));
  p.push_back(static_cast<char>(kRdbVersion >> 8));
  uint64_t crc = rdb::crc64(0, p);
  for (int i = 0; i < 8; ++i) p.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return p;
}

void sub_syntax_error(Context& ctx) {
  ctx.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(ctx.arg(1).substr(0, 128)) + "'. Try FUNCTION HELP.");
}

void cmd_function(Context& ctx) {
  std::string sub = util::to_lower(ctx.arg(1));
  size_t argc = ctx.argc();
  if (sub == "list") {
    for (size_t j = 2; j < argc; ++j) {
      if (util::iequals(ctx.arg(j), "withcode")) continue;
      if (util::iequals(ctx.arg(j), "libraryname")) {
        if (j + 1 >= argc) return ctx.out.error("ERR library name argument was not given");
        ++j;
        continue;
      }
      return ctx.out.error("ERR Unknown argument " + std::string(ctx.arg(j)));
    }
    return ctx.out.array_header(0);
  }
  if (sub == "dump") {
    if (argc != 2) return sub_syntax_error(ctx);
    return ctx.out.bulk(empty_functions_payload());
  }
  if (sub == "restore") {
    if (argc < 3 || argc > 4) return sub_syntax_error(ctx);
    if (argc == 4 && !util::iequals(ctx.arg(3), "append") && !util::iequals(ctx.arg(3), "replace") &&
        !util::iequals(ctx.arg(3), "flush"))
      return ctx.out.error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    std::string_view payload = ctx.arg(2);
    if (!rdb::verify_payload(payload)) return ctx.out.error("ERR DUMP payload version or checksum are wrong");
    if (payload.size() > 10) return ctx.out.error("ERR Functions are not supported by this server yet");
    return ctx.out.ok();
  }
  if (sub == "flush") {
    if (argc > 3) return sub_syntax_error(ctx);
    if (argc == 3 && !util::iequals(ctx.arg(2), "sync") && !util::iequals(ctx.arg(2), "async"))
      return ctx.out.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return ctx.out.ok();
  }
  ctx.out.error(command::unknown_subcommand_error(ctx.arg(1), "function"));
}

}  // namespace

void register_function_stub_commands(CommandTable& t) {
  t.add("function", -2, command::kSubcommands, cmd_function);
}

}  // namespace datanode
