// Configuration options of a binary: each option is bound to a field of the binary's settings struct,
// with its Redis directive name (and aliases), how it is validated, how CONFIG GET prints it and how
// CONFIG REWRITE writes it back to TOML. Loading refuses unknown keys, wrong types and out-of-range
// values with the file, the key and what was expected.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace config {

struct Option {
  std::string name;
  std::vector<std::string> aliases;
  std::string expected;                             // "an integer between 1 and 65535", ...
  std::function<std::string()> get;                 // Redis text, as CONFIG GET shows it
  std::function<bool(std::string_view)> set;        // from Redis text; false if invalid
  std::function<std::string()> toml_literal;        // how CONFIG REWRITE writes the current value
  // Redis' reason for refusing a value in CONFIG SET ("argument couldn't be parsed into an integer").
  std::function<std::string(std::string_view)> why_invalid;
  // Runs after a runtime change (CONFIG SET); returns "" or why the change cannot be applied.
  std::function<std::string()> on_change;
  bool immutable = false;  // only at start (file or command line), not CONFIG SET
  bool sensitive = false;  // never logged
  std::string default_text;
};

class Registry {
 public:
  Registry();
  ~Registry();

  // Typed bindings. The field holds the current value; the option remembers its default.
  Option& add_bool(std::string name, bool* field);
  Option& add_int(std::string name, int64_t* field, int64_t min, int64_t max);
  Option& add_int(std::string name, int* field, int64_t min, int64_t max);
  Option& add_memory(std::string name, int64_t* field, int64_t min = 0, int64_t max = INT64_MAX);
  Option& add_string(std::string name, std::string* field);
  Option& add_enum(std::string name, std::string* field, std::vector<std::string> allowed);
  Option& add_string_list(std::string name, std::vector<std::string>* field);
  Option& add(Option option);

  Option* find(std::string_view name);  // by name or alias, case-insensitive
  const std::vector<std::unique_ptr<Option>>& options() const { return options_; }

  // Names of top-level tables/arrays of tables the binary parses itself (the sentinel's [[monitor]]).
  void allow_table(std::string name) { tables_.push_back(std::move(name)); }

  // Loads a TOML file. Returns "" or an error naming the file, the key and what was expected.
  std::string load_file(const std::string& path);
  // Loads TOML text (path used only in messages).
  std::string load_text(const std::string& text, const std::string& path);
  // "--port 7001 --appendonly yes": returns "" or the error.
  std::string apply_arguments(const std::vector<std::string>& args);

  // CONFIG GET: name/value pairs of every option matching any of the glob patterns.
  std::vector<std::pair<std::string, std::string>> get(const std::vector<std::string>& patterns) const;
  // CONFIG SET with several pairs, all or nothing: returns "" or Redis' error text (without "-").
  std::string set(const std::vector<std::pair<std::string, std::string>>& pairs);
  // CONFIG REWRITE: rewrites the file it was loaded from, keeping comments and order.
  std::string rewrite();
  // The file text CONFIG REWRITE would write (exposed for tests and the sentinel's own state).
  std::string render(const std::string& original) const;
  const std::string& path() const { return path_; }
  void set_path(std::string path) { path_ = std::move(path); }

 private:
  std::vector<std::unique_ptr<Option>> options_;
  std::vector<std::string> tables_;
  std::string path_;
};

// TOML literal of a string with escapes.
std::string toml_quote(std::string_view s);

// Binds `option` to a value the process keeps elsewhere (`current`, e.g. the ACL users as they are now),
// so CONFIG REWRITE writes the current value, not the file's. The rewriter checks whether the file's text
// means the current value by setting it and reading it back: a set other than the current value is
// remembered (and read back) until the current value is set again.
void bind_live_value(Option& option, std::function<std::string()> current);

}  // namespace config
