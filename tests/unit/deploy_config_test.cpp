// The example configs in deploy/config cover every key the binaries accept, and every key written in
// them (commented-out defaults included) loads.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/config/registry.h"
#include "datanode/server/settings.h"
#include "sentinel/settings.h"
#include "sentinel/state/config_file.h"

namespace {

std::string read_example(const std::string& name) {
  std::ifstream in(std::string(SOURCE_DIR) + "/deploy/config/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Keys of `key = value` lines, commented out or not.
std::set<std::string> keys_in(const std::string& text) {
  std::set<std::string> keys;
  std::regex line(R"(^\s*#?\s*([a-z][a-z0-9_-]*)\s*=)");
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    std::smatch m;
    if (std::regex_search(l, m, line)) keys.insert(m[1]);
  }
  return keys;
}

// Every commented-out `# key = value` line must load when uncommented.
void expect_commented_lines_load(const std::string& text, config::Registry& r, const std::string& file) {
  std::regex line(R"(^\s*#\s*([a-z][a-z0-9_-]*\s*=.*)$)");
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    std::string entry = m[1];
    // A trailing comment after the value is fine in TOML.
    std::string err = r.load_text(entry + "\n", file);
    if (err.find("unknown key") != std::string::npos && r.find(entry.substr(0, entry.find(' '))) == nullptr)
      continue;  // [[monitor]] keys: checked through the sentinel loader
    EXPECT_EQ(err, "") << file << ": " << l;
  }
}

TEST(DeployConfig, DatanodeExamplesCoverEveryKeyAndLoad) {
  std::string master = read_example("datanode.toml"), replica = read_example("replica.toml");
  ASSERT_FALSE(master.empty());
  ASSERT_FALSE(replica.empty());
  std::set<std::string> shown = keys_in(master);
  for (const std::string& k : keys_in(replica)) shown.insert(k);
  for (const std::string file : {"datanode.toml", "replica.toml"}) {
    datanode::Settings s;
    config::Registry r;
    datanode::register_settings(s, r);
    EXPECT_EQ(r.load_text(read_example(file), file), "") << file;
    expect_commented_lines_load(read_example(file), r, file);
    if (file == "datanode.toml") {
      for (const auto& o : r.options()) EXPECT_TRUE(shown.count(o->name)) << "no example shows '" << o->name << "'";
    }
  }
}

TEST(DeployConfig, SentinelExampleCoversEveryKeyAndLoads) {
  std::string text = read_example("sentinel.toml");
  ASSERT_FALSE(text.empty());
  sentinel::Settings s;
  config::Registry r;
  sentinel::register_settings(s, r);
  EXPECT_EQ(r.load_text(text, "sentinel.toml"), "");
  sentinel::SentinelState st;
  EXPECT_EQ(sentinel::state::load(text, "sentinel.toml", st), "");
  ASSERT_NE(st.find_master("mymaster"), nullptr);
  EXPECT_EQ(st.find_master("mymaster")->quorum, 2);
  std::set<std::string> shown = keys_in(text);
  for (const auto& o : r.options()) EXPECT_TRUE(shown.count(o->name)) << "sentinel.toml does not show '" << o->name << "'";
  for (const char* k : {"name", "host", "port", "quorum", "auth-pass", "auth-user", "down-after-milliseconds",
                        "parallel-syncs", "failover-timeout", "notification-script", "client-reconfig-script"})
    EXPECT_TRUE(shown.count(k)) << "sentinel.toml does not show [[monitor]] key '" << k << "'";
  expect_commented_lines_load(text, r, "sentinel.toml");
}

}  // namespace
