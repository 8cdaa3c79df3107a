#include "common/config/registry.h"

#include <toml.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>

#include "common/config/toml_lines.h"
#include "common/util/fs.h"
#include "common/util/strings.h"

namespace config {

void bind_live_value(Option& option, std::function<std::string()> current) {
  auto probe = std::make_shared<std::optional<std::string>>();
  option.get = [current, probe] { return probe->has_value() ? **probe : current(); };
  option.set = [current, probe](std::string_view v) {
    if (v == current())
      probe->reset();
    else
      *probe = std::string(v);
    return true;
  };
  option.toml_literal = [current] { return toml_quote(current()); };
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

namespace {

std::string int_error(std::string_view v, int64_t min, int64_t max) {
  if (!util::parse_int(v)) return "argument couldn't be parsed into an integer";
  return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) + " inclusive";
}

}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

Option& Registry::add(Option option) {
  option.default_text = option.get();
  options_.push_back(std::make_unique<Option>(std::move(option)));
  return *options_.back();
}

Option& Registry::add_bool(std::string name, bool* field) {
  Option o;
  o.name = std::move(name);
  o.expected = "a boolean (true or false)";
  o.get = [field] { return std::string(*field ? "yes" : "no"); };
  o.set = [field](std::string_view v) {
    if (util::iequals(v, "yes") || util::iequals(v, "true")) *field = true;
    else if (util::iequals(v, "no") || util::iequals(v, "false")) *field = false;
    else return false;
    return true;
  };
  o.toml_literal = [field] { return std::string(*field ? "true" : "false"); };
  o.why_invalid = [](std::string_view) { return std::string("argument must be 'yes' or 'no'"); };
  return add(std::move(o));
}

Option& Registry::add_int(std::string name, int64_t* field, int64_t min, int64_t max) {
  Option o;
  o.name = std::move(name);
  o.expected = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  o.get = [field] { return std::to_string(*field); };
  o.set = [field, min, max](std::string_view v) {
    auto n = util::parse_int(v);
    if (!n || *n < min || *n > max) return false;
    *field = *n;
    return true;
  };
  o.toml_literal = [field] { return std::to_string(*field); };
  o.why_invalid = [min, max](std::string_view v) { return int_error(v, min, max); };
  return add(std::move(o));
}

Option& Registry::add_int(std::string name, int* field, int64_t min, int64_t max) {
  Option o;
  o.name = std::move(name);
  o.expected = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  o.get = [field] { return std::to_string(*field); };
  o.set = [field, min, max](std::string_view v) {
    auto n = util::parse_int(v);
    if (!n || *n < min || *n > max) return false;
    *field = static_cast<int>(*n);
    return true;
  };
  o.toml_literal = [field] { return std::to_string(*field); };
  o.why_invalid = [min, max](std::string_view v) { return int_error(v, min, max); };
  return add(std::move(o));
}

Option& Registry::add_memory(std::string name, int64_t* field, int64_t min, int64_t max) {
  Option o;
  o.name = std::move(name);
  o.expected = "a size in bytes, or with a unit like \"64mb\"";
  o.get = [field] { return std::to_string(*field); };
  o.set = [field, min, max](std::string_view v) {
    auto n = util::parse_memory(v);
    if (!n || *n < min || *n > max) return false;
    *field = *n;
    return true;
  };
  o.toml_literal = [field] { return std::to_string(*field); };
  o.why_invalid = [min, max](std::string_view v) {
    auto n = util::parse_memory(v);
    if (!n) return std::string("argument must be a memory value");
    return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) + " inclusive";
  };
  return add(std::move(o));
}

Option& Registry::add_string(std::string name, std::string* field) {
  Option o;
  o.name = std::move(name);
  o.expected = "a string";
  o.get = [field] { return *field; };
  o.set = [field](std::string_view v) {
    *field = std::string(v);
    return true;
  };
  o.toml_literal = [field] { return toml_quote(*field); };
  return add(std::move(o));
}

Option& Registry::add_enum(std::string name, std::string* field, std::vector<std::string> allowed) {
  Option o;
  o.name = std::move(name);
  o.expected = "one of";
  for (size_t i = 0; i < allowed.size(); ++i) o.expected += (i ? ", \"" : " \"") + allowed[i] + "\"";
  o.get = [field] { return *field; };
  std::string list;
  for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
  o.why_invalid = [list](std::string_view) { return "argument(s) must be one of the following: " + list; };
  o.set = [field, allowed](std::string_view v) {
    for (const std::string& a : allowed) {
      if (util::iequals(a, v)) {
        *field = a;
        return true;
      }
    }
    return false;
  };
  o.toml_literal = [field] { return toml_quote(*field); };
  return add(std::move(o));
}

Option& Registry::add_string_list(std::string name, std::vector<std::string>* field) {
  Option o;
  o.name = std::move(name);
  o.expected = "a list of strings";
  o.get = [field] {
    std::string out;
    for (const std::string& s : *field) out += (out.empty() ? "" : " ") + s;
    return out;
  };
  o.set = [field](std::string_view v) {
    std::vector<std::string> parts;
    std::istringstream in{std::string(v)};
    std::string word;
    while (in >> word) parts.push_back(word);
    *field = std::move(parts);
    return true;
  };
  o.toml_literal = [field] {
    std::string out = "[";
    for (size_t i = 0; i < field->size(); ++i) out += (i ? ", " : "") + toml_quote((*field)[i]);
    return out + "]";
  };
  return add(std::move(o));
}

Option* Registry::find(std::string_view name) {
  for (auto& o : options_) {
    if (util::iequals(o->name, name)) return o.get();
    for (const std::string& a : o->aliases)
      if (util::iequals(a, name)) return o.get();
  }
  return nullptr;
}

namespace {

// A TOML value as the Redis text the typed setters take; false for shapes no option accepts.
bool toml_to_text(const toml::value& v, std::string* out) {
  switch (v.type()) {
    case toml::value_t::boolean: *out = v.as_boolean() ? "yes" : "no"; return true;
    case toml::value_t::integer: *out = std::to_string(v.as_integer()); return true;
    case toml::value_t::floating: *out = util::format_double(v.as_floating()); return true;
    case toml::value_t::string: *out = v.as_string().str; return true;
    case toml::value_t::array: {
      std::string joined;
      for (const toml::value& e : v.as_array()) {
        if (!e.is_string()) return false;
        joined += (joined.empty() ? "" : " ") + e.as_string().str;
      }
      *out = joined;
      return true;
    }
    default: return false;
  }
}

std::string describe(const toml::value& v) {
  std::ostringstream ss;
  ss << v;
  return ss.str();
}

}  // namespace

std::string Registry::load_file(const std::string& path) {
  std::string text;
  if (!util::read_file(path, &text)) return path + ": cannot read the file";
  path_ = path;
  return load_text(text, path);
}

std::string Registry::load_text(const std::string& text, const std::string& path) {
  // toml11 reads past its buffer on some malformed UTF-8 (found by fuzzing): never hand it any.
  if (size_t bad = util::invalid_utf8_offset(text); bad != std::string::npos)
    return path + ": not valid UTF-8 (byte offset " + std::to_string(bad) + ")";
  toml::value root;
  try {
    std::istringstream in(text);
    root = toml::parse(in, path);
  } catch (const std::exception& e) {
    return path + ": not valid TOML: " + e.what();
  }
  if (!root.is_table()) return path + ": expected a TOML table at the top level";
  for (const auto& [key, value] : root.as_table()) {
    if (std::find(tables_.begin(), tables_.end(), key) != tables_.end()) continue;
    Option* o = find(key);
    if (o == nullptr) return path + ": unknown key '" + key + "'";
    std::string text_value;
    if (!toml_to_text(value, &text_value) || !o->set(text_value))
      return path + ": key '" + key + "': expected " + o->expected + ", got " + describe(value);
  }
  return "";
}

std::string Registry::apply_arguments(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0) return "unexpected argument '" + args[i] + "'";
    std::string name = args[i].substr(2);
    Option* o = find(name);
    if (o == nullptr) return "unknown option '--" + name + "'";
    // Options may take several words (--bind 127.0.0.1 ::1): everything up to the next --option.
    std::string value;
    while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) value += (value.empty() ? "" : " ") + args[++i];
    if (!o->set(value)) return "option '--" + name + "': expected " + o->expected + ", got '" + value + "'";
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> Registry::get(const std::vector<std::string>& patterns) const {
  // As Redis 7: a name without glob characters is answered under the name as typed (an alias
  // included); a pattern matches names and aliases alike; each name is listed once.
  std::vector<std::pair<std::string, std::string>> out;
  auto seen = [&](std::string_view n) {
    return std::any_of(out.begin(), out.end(), [&](const auto& kv) { return util::iequals(kv.first, n); });
  };
  for (const std::string& p : patterns) {
    if (p.find_first_of("[*?") == std::string::npos) {
      if (seen(p)) continue;
      for (const auto& o : options_) {
        bool hit = util::iequals(p, o->name);
        for (const std::string& a : o->aliases) hit = hit || util::iequals(p, a);
        if (hit) {
          out.emplace_back(p, o->get());
          break;
        }
      }
      continue;
    }
    for (const auto& o : options_) {
      if (!seen(o->name) && util::glob_match(p, o->name, true)) out.emplace_back(o->name, o->get());
      for (const std::string& a : o->aliases)
        if (!seen(a) && util::glob_match(p, a, true)) out.emplace_back(a, o->get());
    }
  }
  return out;
}

std::string Registry::set(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<std::pair<Option*, std::string>> undo;
  auto rollback = [&] {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) it->first->set(it->second);
  };
  for (const auto& [name, value] : pairs) {
    Option* o = find(name);
    if (o == nullptr) {
      rollback();
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'";
    }
    if (o->immutable) {
      rollback();
      return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set immutable config";
    }
    std::string old = o->get();
    for (const auto& [prev, unused] : undo) {
      if (prev == o) {
        rollback();
        return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - duplicate parameter";
      }
    }
    if (!o->set(value)) {
      rollback();
      std::string why = o->why_invalid ? o->why_invalid(value) : "argument must be " + o->expected;
      return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why;
    }
    undo.emplace_back(o, old);
  }
  for (auto& [o, old] : undo) {
    if (!o->on_change) continue;
    std::string err = o->on_change();
    if (!err.empty()) {
      rollback();
      return "ERR CONFIG SET failed (possibly related to argument '" + o->name + "') - " + err;
    }
  }
  return "";
}

std::string Registry::render(const std::string& original) const {
  std::vector<std::string> lines;
  {
    std::istringstream in(original);
    std::string l;
    while (std::getline(in, l)) lines.push_back(l);
  }
  // Value each option had in the file, to keep untouched lines (and their formatting) verbatim.
  Registry* self = const_cast<Registry*>(this);
  std::vector<std::string> out;
  std::vector<const Option*> written;
  size_t i = 0;
  for (; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (toml_is_table_header(line) && toml_line_key(line).empty()) break;
    std::string key = toml_line_key(line);
    // Collect a value spread over several lines.
    size_t last = i;
    if (!key.empty()) {
      int depth = toml_bracket_delta(line);
      while (depth > 0 && last + 1 < lines.size()) depth += toml_bracket_delta(lines[++last]);
    }
    const Option* o = key.empty() ? nullptr : self->find(key);
    if (o == nullptr || std::find(written.begin(), written.end(), o) != written.end()) {
      for (size_t k = i; k <= last; ++k) out.push_back(lines[k]);
      i = last;
      continue;
    }
    written.push_back(o);
    // Re-read the value as written; keep the line when it still says the current value.
    std::string as_written;
    try {
      std::string block;
      for (size_t k = i; k <= last; ++k) block += lines[k] + "\n";
      if (util::invalid_utf8_offset(block) == std::string::npos) {
        std::istringstream in(block);
        toml::value v = toml::parse(in, "line");
        toml_to_text(v.as_table().begin()->second, &as_written);
      }
    } catch (const std::exception&) {
      as_written.clear();
    }
    std::string current = o->get();
    // Compare through the option's own parser so "64mb" in the file equals 67108864.
    bool same = as_written == current;
    if (!same && !as_written.empty()) {
      std::string saved = current;
      Option* mo = self->find(key);
      if (mo->set(as_written)) same = mo->get() == saved;
      mo->set(saved);
    }
    if (same) {
      for (size_t k = i; k <= last; ++k) out.push_back(lines[k]);
    } else {
      out.push_back(key + " = " + o->toml_literal());
    }
    i = last;
  }
  // Options changed from their defaults and absent from the file go at the end of the top-level keys.
  bool header = false;
  for (const auto& o : options_) {
    if (std::find(written.begin(), written.end(), o.get()) != written.end()) continue;
    if (o->get() == o->default_text) continue;
    if (!header) {
      out.push_back("# Generated by CONFIG REWRITE");
      header = true;
    }
    out.push_back(o->name + " = " + o->toml_literal());
  }
  for (; i < lines.size(); ++i) out.push_back(lines[i]);
  std::string text;
  for (const std::string& l : out) text += l + "\n";
  return text;
}

std::string Registry::rewrite() {
  if (path_.empty()) return "ERR The server is running without a config file";
  std::string original;
  util::read_file(path_, &original);
  std::string err = util::write_file_atomic(path_, render(original));
  if (!err.empty()) return "ERR Rewriting config file: " + err;
  return "";
}

}  // namespace config
