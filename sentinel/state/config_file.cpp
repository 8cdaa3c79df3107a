#include "sentinel/state/config_file.h"

#include <toml.hpp>

#include <set>
#include <sstream>
#include <vector>

#include "common/config/toml_lines.h"
#include "common/util/fs.h"
#include "common/util/strings.h"

namespace sentinel::state {

std::unique_ptr<Instance> make_master(std::string name, std::string ip, int port, int quorum) {
  auto m = std::make_unique<Instance>();
  m->flags = kMaster;
  m->name = std::move(name);
  m->addr = {std::move(ip), port};
  m->quorum = quorum;
  return m;
}

namespace {

std::string describe(const toml::value& v) {
  std::ostringstream ss;
  ss << v;
  return ss.str();
}

// Reads one [[monitor]] table into a master; "" or the error.
class MonitorReader {
 public:
  MonitorReader(const std::string& path, size_t index, const toml::table& t) : path_(path), index_(index), t_(t) {}

  std::string where(const std::string& key) const {
    return path_ + ": [[monitor]] entry #" + std::to_string(index_ + 1) + " key '" + key + "'";
  }
  std::string fail(const std::string& key, const std::string& expected) {
    auto it = t_.find(key);
    std::string got = it == t_.end() ? "nothing" : describe(it->second);
    if (err_.empty()) err_ = where(key) + ": expected " + expected + ", got " + got;
    return err_;
  }
  bool has(const std::string& key) const { return t_.count(key) != 0; }

  void str(const std::string& key, std::string* out, bool required = false) {
    auto it = t_.find(key);
    if (it == t_.end()) {
      if (required) fail(key, "a string");
      return;
    }
    if (!it->second.is_string()) return void(fail(key, "a string"));
    *out = it->second.as_string().str;
  }
  template <typename Int>
  void integer(const std::string& key, Int* out, int64_t min, int64_t max, bool required = false) {
    auto it = t_.find(key);
    std::string expected = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
    if (it == t_.end()) {
      if (required) fail(key, expected);
      return;
    }
    if (!it->second.is_integer()) return void(fail(key, expected));
    int64_t v = it->second.as_integer();
    if (v < min || v > max) return void(fail(key, expected));
    *out = static_cast<Int>(v);
  }
  const toml::value* get(const std::string& key) const {
    auto it = t_.find(key);
    return it == t_.end() ? nullptr : &it->second;
  }
  std::string& error() { return err_; }

 private:
  const std::string& path_;
  size_t index_;
  const toml::table& t_;
  std::string err_;
};

bool parse_host_port(const std::string& s, Address* out) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  auto port = util::parse_int(std::string_view(s).substr(colon + 1));
  if (!port || *port <= 0 || *port > 65535) return false;
  out->ip = s.substr(0, colon);
  out->port = static_cast<int>(*port);
  return true;
}

const std::set<std::string>& monitor_keys() {
  static const std::set<std::string> keys = {
      "name", "host", "port", "quorum", "auth-pass", "auth-user", "down-after-milliseconds", "parallel-syncs",
      "failover-timeout", "notification-script", "client-reconfig-script", "config-epoch", "leader-epoch",
      "leader", "known-replicas", "known-sentinels"};
  return keys;
}

std::string load_monitor(const std::string& path, size_t index, const toml::value& v, SentinelState& st) {
  if (!v.is_table()) return path + ": [[monitor]] entry #" + std::to_string(index + 1) + ": expected a table";
  const toml::table& t = v.as_table();
  MonitorReader r(path, index, t);
  for (const auto& [key, value] : t)
    if (!monitor_keys().count(key)) return path + ": [[monitor]] entry #" + std::to_string(index + 1) + ": unknown key '" + key + "'";
  std::string name, host;
  int port = 0, quorum = 0;
  r.str("name", &name, true);
  r.str("host", &host, true);
  r.integer("port", &port, 1, 65535, true);
  r.integer("quorum", &quorum, 1, 1000000, true);
  if (!r.error().empty()) return r.error();
  if (name.empty()) return r.fail("name", "a non-empty master name");
  if (st.find_master(name) != nullptr) return r.fail("name", "a name not used by another [[monitor]] entry");
  auto m = make_master(name, host, port, quorum);
  r.str("auth-pass", &m->auth_pass);
  r.str("auth-user", &m->auth_user);
  r.integer("down-after-milliseconds", &m->down_after, 1, INT64_MAX);
  r.integer("parallel-syncs", &m->parallel_syncs, 1, 1000000);
  r.integer("failover-timeout", &m->failover_timeout, 1, INT64_MAX);
  r.str("notification-script", &m->notification_script);
  r.str("client-reconfig-script", &m->client_reconfig_script);
  r.integer("config-epoch", &m->config_epoch, 0, INT64_MAX);
  r.integer("leader-epoch", &m->vote_leader_epoch, 0, INT64_MAX);
  r.str("leader", &m->vote_leader);
  if (!r.error().empty()) return r.error();
  if (const toml::value* kr = r.get("known-replicas")) {
    const std::string expected = "an array of \"ip:port\" strings";
    if (!kr->is_array()) return r.fail("known-replicas", expected);
    for (const toml::value& e : kr->as_array()) {
      Address a;
      if (!e.is_string() || !parse_host_port(e.as_string().str, &a)) return r.fail("known-replicas", expected);
      auto rep = std::make_unique<Instance>();
      rep->flags = kReplica;
      rep->addr = a;
      rep->name = a.str();
      rep->master = m.get();
      m->replicas[rep->name] = std::move(rep);
    }
  }
  if (const toml::value* ks = r.get("known-sentinels")) {
    const std::string expected = "an array of { ip = \"...\", port = N, runid = \"...\" } tables";
    if (!ks->is_array()) return r.fail("known-sentinels", expected);
    for (const toml::value& e : ks->as_array()) {
      if (!e.is_table()) return r.fail("known-sentinels", expected);
      const toml::table& et = e.as_table();
      auto ip = et.find("ip"), po = et.find("port"), id = et.find("runid");
      if (ip == et.end() || po == et.end() || id == et.end() || !ip->second.is_string() ||
          !po->second.is_integer() || !id->second.is_string() || po->second.as_integer() <= 0 ||
          po->second.as_integer() > 65535)
        return r.fail("known-sentinels", expected);
      auto s = std::make_unique<Instance>();
      s->flags = kSentinel;
      s->addr = {ip->second.as_string().str, static_cast<int>(po->second.as_integer())};
      s->runid = id->second.as_string().str;
      s->name = s->runid;
      s->master = m.get();
      if (s->runid == st.myid) continue;
      m->sentinels[s->name] = std::move(s);
    }
  }
  st.masters[name] = std::move(m);
  return "";
}

}  // namespace

std::string load(const std::string& text, const std::string& path, SentinelState& st) {
  toml::value root;
  try {
    std::istringstream in(text);
    root = toml::parse(in, path);
  } catch (const std::exception& e) {
    return path + ": not valid TOML: " + e.what();
  }
  const toml::table& t = root.as_table();
  if (auto it = t.find("myid"); it != t.end()) {
    bool ok = it->second.is_string() && it->second.as_string().str.size() == 40;
    if (ok)
      for (char c : it->second.as_string().str) ok = ok && isxdigit(static_cast<unsigned char>(c));
    if (!ok) return path + ": key 'myid': expected a string of 40 hex characters, got " + describe(it->second);
    st.myid = util::to_lower(it->second.as_string().str);
  }
  if (auto it = t.find("current-epoch"); it != t.end()) {
    if (!it->second.is_integer() || it->second.as_integer() < 0)
      return path + ": key 'current-epoch': expected a non-negative integer, got " + describe(it->second);
    st.current_epoch = static_cast<uint64_t>(it->second.as_integer());
  }
  if (auto it = t.find("monitor"); it != t.end()) {
    if (!it->second.is_array()) return path + ": key 'monitor': expected [[monitor]] tables";
    const auto& arr = it->second.as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string err = load_monitor(path, i, arr[i], st);
      if (!err.empty()) return err;
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------------
// Rendering: line based, so comments and untouched lines stay as the operator wrote them.

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  return lines;
}

// Index of the last line of the value starting at line i.
size_t value_end(const std::vector<std::string>& lines, size_t i) {
  int depth = config::toml_bracket_delta(lines[i]);
  size_t last = i;
  while (depth > 0 && last + 1 < lines.size()) depth += config::toml_bracket_delta(lines[++last]);
  return last;
}

using KeyValues = std::vector<std::pair<std::string, std::string>>;  // key, TOML literal (may span lines)

KeyValues monitor_values(const Instance& m, const std::string& myid) {
  KeyValues kv;
  kv.emplace_back("name", config::toml_quote(m.name));
  kv.emplace_back("host", config::toml_quote(m.addr.ip));
  kv.emplace_back("port", std::to_string(m.addr.port));
  kv.emplace_back("quorum", std::to_string(m.quorum));
  if (!m.auth_user.empty()) kv.emplace_back("auth-user", config::toml_quote(m.auth_user));
  if (!m.auth_pass.empty()) kv.emplace_back("auth-pass", config::toml_quote(m.auth_pass));
  kv.emplace_back("down-after-milliseconds", std::to_string(m.down_after));
  kv.emplace_back("parallel-syncs", std::to_string(m.parallel_syncs));
  kv.emplace_back("failover-timeout", std::to_string(m.failover_timeout));
  if (!m.notification_script.empty()) kv.emplace_back("notification-script", config::toml_quote(m.notification_script));
  if (!m.client_reconfig_script.empty())
    kv.emplace_back("client-reconfig-script", config::toml_quote(m.client_reconfig_script));
  // Learned state from here on.
  kv.emplace_back("config-epoch", std::to_string(m.config_epoch));
  kv.emplace_back("leader-epoch", std::to_string(m.vote_leader_epoch));
  if (!m.vote_leader.empty()) kv.emplace_back("leader", config::toml_quote(m.vote_leader));
  std::string reps = "[";
  bool first = true;
  for (const auto& [k, r] : m.replicas) {
    // During a failover the promoted replica is about to become the master: Redis writes it as one.
    reps += (first ? "" : ", ") + config::toml_quote(r->addr.str());
    first = false;
  }
  kv.emplace_back("known-replicas", reps + "]");
  std::string sents = "[";
  for (const auto& [k, s] : m.sentinels) {
    if (s->runid.empty() || s->runid == myid) continue;
    sents += "\n  { ip = " + config::toml_quote(s->addr.ip) + ", port = " + std::to_string(s->addr.port) +
             ", runid = " + config::toml_quote(s->runid) + " },";
  }
  kv.emplace_back("known-sentinels", sents == "[" ? "[]" : sents + "\n]");
  return kv;
}

const std::string kLearnedComment = "# Learned by the sentinel (rewritten automatically):";

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A line without its trailing comment (a '#' outside quotes).
std::string strip_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\' && quote == '"') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return trim(line.substr(0, i));
    }
  }
  return trim(line);
}

// The value text of lines [i, last] after "key =", comments left out.
std::string value_text(const std::vector<std::string>& lines, size_t i, size_t last) {
  std::string v = strip_comment(lines[i].substr(lines[i].find('=') + 1));
  for (size_t k = i + 1; k <= last; ++k) v += "\n" + strip_comment(lines[k]);
  return trim(v);
}

// Writes kv into lines (a block of key lines and comments): replaces values that differ, appends keys
// the block lacks after its last key line.
std::vector<std::string> apply_values(const std::vector<std::string>& lines, const KeyValues& kv,
                                      const std::string& learned_from_key) {
  std::vector<std::string> out;
  std::set<std::string> written;
  size_t last_key_out = 0;
  bool any_key = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string key = config::toml_line_key(lines[i]);
    const std::string* want = nullptr;
    for (const auto& [k, v] : kv)
      if (k == key) want = &v;
    if (want == nullptr || written.count(key)) {
      if (!key.empty()) {
        size_t last = value_end(lines, i);
        for (size_t k = i; k <= last; ++k) out.push_back(lines[k]);
        i = last;
        last_key_out = out.size();
        any_key = true;
      } else {
        out.push_back(lines[i]);
      }
      continue;
    }
    written.insert(key);
    size_t last = value_end(lines, i);
    if (value_text(lines, i, last) == *want) {
      for (size_t k = i; k <= last; ++k) out.push_back(lines[k]);
    } else {
      for (const std::string& l : split_lines(key + " = " + *want)) out.push_back(l);
    }
    i = last;
    last_key_out = out.size();
    any_key = true;
  }
  std::vector<std::string> extra;
  bool comment_needed = true;
  for (const std::string& l : lines)
    if (trim(l) == kLearnedComment) comment_needed = false;
  for (const auto& [k, v] : kv) {
    if (written.count(k)) continue;
    if (k == learned_from_key && comment_needed) extra.push_back(kLearnedComment);
    for (const std::string& l : split_lines(k + " = " + v)) extra.push_back(l);
  }
  size_t at = any_key ? last_key_out : out.size();
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), extra.begin(), extra.end());
  return out;
}

std::string block_name(const std::vector<std::string>& block) {
  for (const std::string& l : block) {
    if (config::toml_line_key(l) != "name") continue;
    try {
      std::istringstream in(l + "\n");
      toml::value v = toml::parse(in, "line");
      return v.as_table().begin()->second.as_string().str;
    } catch (const std::exception&) {
      return "";
    }
  }
  return "";
}

}  // namespace

std::string render(const std::string& original, const config::Registry& registry, const SentinelState& st) {
  std::vector<std::string> lines = split_lines(original);
  size_t first_header = 0;
  while (first_header < lines.size() && !config::toml_is_table_header(lines[first_header])) ++first_header;
  std::string top;
  for (size_t i = 0; i < first_header; ++i) top += lines[i] + "\n";
  // Trailing blank lines of the top part stay between it and the first table.
  std::vector<std::string> top_lines = split_lines(registry.render(top));
  size_t blanks = 0;
  while (!top_lines.empty() && trim(top_lines.back()).empty()) {
    top_lines.pop_back();
    ++blanks;
  }
  KeyValues top_kv = {{"myid", config::toml_quote(st.myid)}, {"current-epoch", std::to_string(st.current_epoch)}};
  std::vector<std::string> out = apply_values(top_lines, top_kv, "myid");
  for (size_t i = 0; i < std::max<size_t>(blanks, 1); ++i) out.push_back("");

  std::set<std::string> rendered;
  size_t i = first_header;
  while (i < lines.size()) {
    size_t end = i + 1;
    while (end < lines.size() && !config::toml_is_table_header(lines[end])) ++end;
    std::vector<std::string> block(lines.begin() + static_cast<std::ptrdiff_t>(i), lines.begin() + static_cast<std::ptrdiff_t>(end));
    if (trim(block[0]) == "[[monitor]]") {
      std::string name = block_name(block);
      auto it = st.masters.find(name);
      if (it != st.masters.end() && !rendered.count(name)) {
        rendered.insert(name);
        std::vector<std::string> body(block.begin() + 1, block.end());
        out.push_back(block[0]);
        for (const std::string& l : apply_values(body, monitor_values(*it->second, st.myid), "config-epoch"))
          out.push_back(l);
      }
      // A monitor the sentinel no longer has (SENTINEL REMOVE) is dropped with its block.
    } else {
      out.insert(out.end(), block.begin(), block.end());
    }
    i = end;
  }
  for (const auto& [name, m] : st.masters) {
    if (rendered.count(name)) continue;
    if (!out.empty() && !trim(out.back()).empty()) out.push_back("");
    out.push_back("[[monitor]]");
    for (const std::string& l : apply_values({}, monitor_values(*m, st.myid), "config-epoch")) out.push_back(l);
  }
  std::string text;
  for (const std::string& l : out) text += l + "\n";
  return text;
}

std::string flush(const std::string& path, const config::Registry& registry, const SentinelState& st) {
  if (path.empty()) return "no config file";
  std::string original;
  util::read_file(path, &original);
  return util::write_file_atomic(path, render(original, registry, st));
}

}  // namespace sentinel::state
