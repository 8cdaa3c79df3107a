// Script source as EVAL receives it: compiled and run in the datanode's sandboxed Lua state (libraries,
// read-only globals, redis.* API, reply conversions) with redis.call answered by a stub. The engine's
// instruction hook stops every script after a budget and the allocator caps its memory, so an input
// either finishes, fails with an error reply, or is killed — never hangs or exhausts the machine. The
// first byte picks the caller's protocol (RESP2/RESP3), the rest is the script.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "datanode/scripting/lua_engine.h"

namespace datanode {
// FUNCTION LOAD's registration entry point lives in functions.cpp (not linked here).
int register_function(lua_State* L) { return luaL_error(L, "not in this target"); }
}  // namespace datanode

namespace {

struct StubHost : datanode::ScriptHost {
  int hooks = 0;
  bool call_command(datanode::ScriptRun&, const std::vector<std::string_view>& argv, std::string& reply,
                    std::string& err) override {
    // Echo the last argument as a bulk string; "err" as the command name gives an error reply.
    if (argv[0] == "err") {
      reply = "-ERR stub failure\r\n";
      return true;
    }
    if (argv[0] == "refuse") {
      err = "Unknown Redis command called from script";
      return false;
    }
    const std::string_view last = argv.back();
    reply = "$" + std::to_string(last.size()) + "\r\n" + std::string(last) + "\r\n";
    return true;
  }
  bool on_hook() override { return ++hooks > 5; }  // about half a million instructions
  void set_propagation_targets(bool, bool) override {}
  bool command_exists(std::string_view) override { return true; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static StubHost host;
  // One state for every input, as the server keeps one: what a script leaves behind must not break the next.
  static datanode::LuaEngine engine(host, false, 64 << 20);
  host.hooks = 0;
  int protocol = (data[0] & 1) ? 3 : 2;
  lua_State* L = engine.state();
  if (luaL_loadbuffer(L, reinterpret_cast<const char*>(data + 1), size - 1, "@user_script") != 0) {
    lua_pop(L, 1);
    return 0;
  }
  engine.set_eval_globals({"key"}, {"arg1", "2"});
  datanode::ScriptRun run;
  run.funcname = "fuzz";
  std::string out;
  engine.call(run, 0, out, protocol);
  if (out.empty() || out.back() != '\n') std::abort();  // every run ends with exactly one reply
  if (lua_gettop(L) != 0) std::abort();                 // the stack is left as it was found
  return 0;
}
