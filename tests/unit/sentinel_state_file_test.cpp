// The sentinel's TOML state file: [[monitor]] validation, learned state written back in place with the
// operator's comments kept, and the event text format.
#include <gtest/gtest.h>

#include "sentinel/model/events.h"
#include "sentinel/settings.h"
#include "sentinel/state/config_file.h"

namespace sentinel {
namespace {

const char* kConfig = R"(# operator comment
port = 26379

[[monitor]]
# main master
name = "mymaster"
host = "10.0.0.1"
port = 6379
quorum = 2
down-after-milliseconds = 5000 # five seconds
)";

TEST(SentinelStateFile, LoadsMonitorWithDefaults) {
  SentinelState st;
  ASSERT_EQ(state::load(kConfig, "s.toml", st), "");
  Instance* m = st.find_master("mymaster");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->addr.ip, "10.0.0.1");
  EXPECT_EQ(m->addr.port, 6379);
  EXPECT_EQ(m->quorum, 2);
  EXPECT_EQ(m->down_after, 5000);
  EXPECT_EQ(m->parallel_syncs, 1);
  EXPECT_EQ(m->failover_timeout, 180000);
  EXPECT_TRUE(st.myid.empty());
}

TEST(SentinelStateFile, ErrorsNameFileEntryKeyAndExpectation) {
  SentinelState st;
  std::string err = state::load("[[monitor]]\nname = \"m\"\nhost = \"h\"\nport = 70000\nquorum = 1\n", "x.toml", st);
  EXPECT_EQ(err, "x.toml: [[monitor]] entry #1 key 'port': expected an integer between 1 and 65535, got 70000");
  SentinelState st2;
  err = state::load("[[monitor]]\nname = \"m\"\nhost = \"h\"\nport = 1\n", "x.toml", st2);
  EXPECT_NE(err.find("key 'quorum'"), std::string::npos) << err;
  SentinelState st3;
  err = state::load("[[monitor]]\nname = \"m\"\nhost = \"h\"\nport = 1\nquorum = 1\nbogus = 1\n", "x.toml", st3);
  EXPECT_NE(err.find("unknown key 'bogus'"), std::string::npos) << err;
  SentinelState st4;
  err = state::load("myid = \"xyz\"\n", "x.toml", st4);
  EXPECT_NE(err.find("key 'myid'"), std::string::npos) << err;
}

TEST(SentinelStateFile, RenderKeepsCommentsAndRoundTrips) {
  Settings settings;
  config::Registry reg;
  register_settings(settings, reg);
  ASSERT_EQ(reg.load_text(kConfig, "s.toml"), "");
  SentinelState st;
  ASSERT_EQ(state::load(kConfig, "s.toml", st), "");
  st.myid = std::string(40, 'a');
  st.current_epoch = 7;
  Instance* m = st.find_master("mymaster");
  m->config_epoch = 7;
  m->addr = {"10.0.0.3", 6380};
  for (int port : {6379, 6381}) {
    auto r = std::make_unique<Instance>();
    r->flags = kReplica;
    r->addr = {port == 6379 ? "10.0.0.1" : "10.0.0.2", port};
    r->name = r->addr.str();
    m->replicas[r->name] = std::move(r);
  }
  auto s = std::make_unique<Instance>();
  s->flags = kSentinel;
  s->runid = std::string(40, 'b');
  s->name = s->runid;
  s->addr = {"10.0.0.9", 26379};
  m->sentinels[s->name] = std::move(s);

  std::string out = state::render(kConfig, reg, st);
  EXPECT_NE(out.find("# operator comment"), std::string::npos) << out;
  EXPECT_NE(out.find("# main master"), std::string::npos) << out;
  EXPECT_NE(out.find("down-after-milliseconds = 5000 # five seconds"), std::string::npos) << out;
  EXPECT_NE(out.find("host = \"10.0.0.3\""), std::string::npos) << out;
  EXPECT_NE(out.find("myid = \"" + st.myid + "\""), std::string::npos) << out;

  SentinelState back;
  ASSERT_EQ(state::load(out, "s.toml", back), "") << out;
  EXPECT_EQ(back.myid, st.myid);
  EXPECT_EQ(back.current_epoch, 7u);
  Instance* bm = back.find_master("mymaster");
  ASSERT_NE(bm, nullptr);
  EXPECT_EQ(bm->addr.port, 6380);
  EXPECT_EQ(bm->config_epoch, 7u);
  EXPECT_EQ(bm->replicas.size(), 2u);
  ASSERT_EQ(bm->sentinels.size(), 1u);
  EXPECT_EQ(bm->sentinels.begin()->second->addr.ip, "10.0.0.9");
  // Rendering again changes nothing.
  EXPECT_EQ(state::render(out, reg, back), out);
}

TEST(SentinelStateFile, RemovedMonitorDisappearsAndNewOneIsAppended) {
  Settings settings;
  config::Registry reg;
  register_settings(settings, reg);
  SentinelState st;
  st.myid = std::string(40, 'c');
  st.masters["other"] = state::make_master("other", "127.0.0.1", 7000, 1);
  std::string out = state::render(kConfig, reg, st);
  EXPECT_EQ(out.find("mymaster"), std::string::npos) << out;
  EXPECT_NE(out.find("name = \"other\""), std::string::npos) << out;
  SentinelState back;
  EXPECT_EQ(state::load(out, "s.toml", back), "") << out;
  EXPECT_NE(back.find_master("other"), nullptr);
}

TEST(SentinelEvents, FormatsLikeRedis) {
  SentinelState st;
  st.masters["mymaster"] = state::make_master("mymaster", "127.0.0.1", 6379, 2);
  Instance* m = st.find_master("mymaster");
  Instance r;
  r.flags = kReplica;
  r.addr = {"127.0.0.1", 6380};
  r.name = r.addr.str();
  r.master = m;
  std::vector<std::pair<std::string, std::string>> got;
  st.events.set_publisher([&](std::string_view ch, std::string_view msg) { got.emplace_back(ch, msg); });
  int observed = 0;
  st.events.add_observer([&](const Event& e) {
    ++observed;
    EXPECT_EQ(e.master, m);
  });
  st.events.emit(logx::Level::kWarning, "+sdown", m);
  st.events.emit(logx::Level::kNotice, "+slave", &r);
  st.events.emit(logx::Level::kWarning, "+odown", m, "#quorum 2/2");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::make_pair(std::string("+sdown"), std::string("master mymaster 127.0.0.1 6379")));
  EXPECT_EQ(got[1].second, "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379");
  EXPECT_EQ(got[2].second, "master mymaster 127.0.0.1 6379 #quorum 2/2");
  EXPECT_EQ(observed, 3);
}

}  // namespace
}  // namespace sentinel
