// FUNCTION libraries: each a Lua chunk ("#!lua name=<lib>") whose body registers functions with
// redis.register_function, kept in their own Lua state; FCALL runs one of them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/scripting/lua_engine.h"

namespace datanode {

class Scripting;

struct FunctionDef {
  std::string name;
  std::string description;
  bool has_description = false;
  uint32_t flags = 0;
  int ref = LUA_NOREF;  // the callback, in the state's registry
  std::string library;
};

struct Library {
  std::string name;
  std::string code;  // the whole source, shebang included (FUNCTION LIST WITHCODE, DUMP)
  std::vector<std::string> functions;
};

class Functions {
 public:
  explicit Functions(Scripting& owner);
  ~Functions();

  LuaEngine& engine() { return *engine_; }
  // FUNCTION LOAD: the library's name, or false with the error reply text.
  bool load(std::string_view code, bool replace, std::string& name, std::string& error);
  bool remove(std::string_view library);
  void flush();
  const FunctionDef* find(std::string_view name) const;
  const std::map<std::string, Library, std::less<>>& libraries() const { return libraries_; }
  size_t function_count() const { return functions_.size(); }

  // Called by redis.register_function while a library body runs; "" or the error.
  std::string add_pending(FunctionDef def);

  // Every library's source (snapshots), and the set a loaded snapshot brings (replacing the current one).
  std::vector<std::string> sources() const;
  void replace_all(const std::vector<std::string>& sources);

  // FUNCTION DUMP payload (RDB function records + version + CRC64) and FUNCTION RESTORE.
  std::string dump() const;
  bool restore(std::string_view payload, std::string_view policy, std::string& error);

 private:
  void unlink(Library& lib);

  Scripting& owner_;
  std::unique_ptr<LuaEngine> engine_;
  std::map<std::string, Library, std::less<>> libraries_;
  std::map<std::string, FunctionDef, std::less<>> functions_;
  std::vector<FunctionDef>* pending_ = nullptr;  // set while a library body runs
};

}  // namespace datanode
