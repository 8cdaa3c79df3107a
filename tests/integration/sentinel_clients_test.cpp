// Interoperability: python3-redis' Sentinel client follows our failover, a real redis-sentinel and two
// of ours share one quorum, redis-cli speaks to the sentinel, and events arrive on its pub/sub.
#include <gtest/gtest.h>

#include <thread>

#include "sentinel_lab.h"

using namespace sentinel_lab;

namespace {

bool have_python_redis() {
  int status = -1;
  harness::run("/usr/bin/python3 -c 'import redis.sentinel' 2>/dev/null", &status);
  return status == 0;
}

}  // namespace

TEST(SentinelClients, PythonRedisFindsNewMasterAfterFailover) {
  if (!have_python_redis()) GTEST_SKIP() << "python3-redis not installed";
  Lab lab;
  ASSERT_TRUE(lab.discovered());
  std::string sentinels;
  for (auto& s : lab.sentinels) sentinels += "('127.0.0.1', " + std::to_string(s->port) + "),";
  harness::TempDir dir;
  dir.write("client.py",
            "import redis.sentinel, sys\n"
            "s = redis.sentinel.Sentinel([" + sentinels + "], socket_timeout=2)\n"
            "m = s.master_for('mymaster', socket_timeout=2)\n"
            "m.set('k', sys.argv[1])\n"
            "print(s.discover_master('mymaster')[1], len(s.discover_slaves('mymaster')), m.get('k').decode())\n");
  std::string cmd = "/usr/bin/python3 " + dir.file("client.py");
  int status = -1;
  std::string before = harness::run(cmd + " one 2>&1", &status);
  ASSERT_EQ(status, 0) << before;
  EXPECT_EQ(before, std::to_string(lab.master->port) + " 2 one\n");
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(lab.replicas[1]->port, 30s));
  std::string after = harness::run(cmd + " two 2>&1", &status);
  EXPECT_EQ(status, 0) << after;
  EXPECT_EQ(after.substr(0, after.find(' ')), std::to_string(lab.replicas[1]->port)) << after;
  EXPECT_NE(after.find(" two"), std::string::npos) << after;
}

TEST(SentinelClients, RealRedisSentinelAndOursAgree) {
  if (!harness::have_program("redis-sentinel")) GTEST_SKIP() << "redis-sentinel not installed";
  Options o;
  o.real_sentinels = 1;
  Lab lab(o);
  ASSERT_TRUE(lab.discovered()) << lab.sentinels[0]->dir.read("sentinel.log");
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(lab.replicas[1]->port, 40s)) << lab.sentinels[0]->dir.read("sentinel.log");
  EXPECT_TRUE(harness::eventually(
      [&] { return lab.replicas[0]->info_field("master_port") == std::to_string(lab.replicas[1]->port); }, 30s));
}

TEST(SentinelClients, EventsOnPubSubAndRedisCli) {
  Lab lab;
  ASSERT_TRUE(lab.discovered());
  SentinelNode& s = *lab.sentinels[0];
  harness::Client sub(s.port);
  harness::Reply ok = sub.command({"PSUBSCRIBE", "*"});
  ASSERT_EQ(ok.elements.size(), 3u);
  sub.set_timeout(30s);
  // Reads events until +switch-master.
  std::thread killer([&] {
    std::this_thread::sleep_for(200ms);
    lab.master->kill();
  });
  std::vector<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    harness::Reply m = sub.read();
    if (m.type != harness::Reply::Type::kArray || m.elements.size() != 4) break;
    seen.push_back(m.elements[2].str);
    if (m.elements[2].str == "+switch-master") {
      std::string expect = "mymaster 127.0.0.1 " + std::to_string(lab.master->port) + " 127.0.0.1 " +
                           std::to_string(lab.replicas[1]->port);
      EXPECT_EQ(m.elements[3].str, expect);
      break;
    }
  }
  killer.join();
  auto has = [&](const std::string& t) { return std::find(seen.begin(), seen.end(), t) != seen.end(); };
  EXPECT_TRUE(has("+sdown"));
  // +odown is not guaranteed here: a faster peer may win the election and we learn the new master from
  // its hello (+config-update-from) before our own ODOWN.
  EXPECT_TRUE(has("+odown") || has("+config-update-from"));
  EXPECT_TRUE(has("+switch-master"));
  // redis-cli against the sentinel.
  std::string out = harness::run("redis-cli -p " + std::to_string(s.port) + " SENTINEL get-master-addr-by-name mymaster");
  EXPECT_EQ(out, "127.0.0.1\n" + std::to_string(lab.replicas[1]->port) + "\n");
  std::string info = harness::run("redis-cli -p " + std::to_string(s.port) + " INFO sentinel");
  EXPECT_NE(info.find("master0:name=mymaster,status=ok,address=127.0.0.1:" + std::to_string(lab.replicas[1]->port) +
                      ",slaves=2,sentinels=3"),
            std::string::npos)
      << info;
  std::string role = harness::run("redis-cli -p " + std::to_string(s.port) + " ROLE");
  EXPECT_EQ(role, "sentinel\nmymaster\n");
}

TEST(SentinelClients, ScriptsRunOnEventsAndSwitch) {
  Lab lab;
  harness::TempDir dir;
  std::string out = dir.file("calls.txt");
  dir.write("notify.sh", "#!/bin/sh\necho \"notify $*\" >> " + out + "\n");
  dir.write("reconfig.sh", "#!/bin/sh\necho \"reconfig $*\" >> " + out + "\n");
  harness::run("chmod +x " + dir.file("notify.sh") + " " + dir.file("reconfig.sh"));
  // deny-scripts-reconfig is on by default: SENTINEL SET refuses script paths.
  harness::Reply denied = lab.sentinels[0]->cmd({"SENTINEL", "SET", "mymaster", "notification-script", dir.file("notify.sh")});
  EXPECT_TRUE(denied.is_error());
  // Set them in every sentinel's file and restart it.
  for (auto& s : lab.sentinels) {
    s->kill(SIGTERM);
    std::string conf = s->dir.read("sentinel.toml");
    size_t at = conf.find("[[monitor]]\n");
    ASSERT_NE(at, std::string::npos);
    conf.insert(at + 12, "notification-script = \"" + dir.file("notify.sh") + "\"\nclient-reconfig-script = \"" +
                             dir.file("reconfig.sh") + "\"\n");
    s->dir.write("sentinel.toml", conf);
    s->start();
  }
  ASSERT_TRUE(lab.discovered());
  lab.master->kill();
  ASSERT_TRUE(lab.all_agree(lab.replicas[1]->port, 30s));
  std::string expect_reconf = "mymaster 127.0.0.1 " + std::to_string(lab.master->port) + " 127.0.0.1 " +
                              std::to_string(lab.replicas[1]->port);
  EXPECT_TRUE(harness::eventually(
      [&] {
        std::string calls = dir.read("calls.txt");
        return calls.find("notify +sdown master mymaster") != std::string::npos &&
               calls.find("reconfig mymaster leader end 127.0.0.1") != std::string::npos &&
               calls.find("reconfig mymaster observer end 127.0.0.1") != std::string::npos;
      },
      10s))
      << dir.read("calls.txt");
}
