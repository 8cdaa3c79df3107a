// The sentinel's state file: a restart keeps its id and what it learned; config errors are clear.
#include <gtest/gtest.h>

#include "sentinel_lab.h"

using namespace sentinel_lab;

TEST(SentinelState, RestartKeepsMyidAndTopology) {
  Lab lab;
  ASSERT_TRUE(lab.discovered());
  SentinelNode& s = *lab.sentinels[0];
  std::string myid = s.cmd({"SENTINEL", "myid"}).str;
  ASSERT_EQ(myid.size(), 40u);
  s.kill(SIGTERM);
  // Nobody can be discovered again before we look: the master and replicas are stopped.
  lab.master->kill();
  for (auto& r : lab.replicas) r->kill();
  s.start();
  EXPECT_EQ(s.cmd({"SENTINEL", "myid"}).str, myid);
  EXPECT_EQ(s.master_field("num-slaves"), "2");
  EXPECT_EQ(s.master_field("num-other-sentinels"), "2");
  std::string file = s.dir.read("sentinel.toml");
  EXPECT_NE(file.find("myid = \"" + myid + "\""), std::string::npos);
  EXPECT_NE(file.find("# the master under test"), std::string::npos);
}

TEST(SentinelState, ConfigErrorNamesFileKeyAndExpectation) {
  harness::TempDir dir;
  dir.write("bad.toml", "port = 26399\n[[monitor]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 6379\nquorum = \"two\"\n");
  int status = 0;
  std::string out = harness::run(std::string(SENTINEL_BIN) + " --config " + dir.file("bad.toml") + " 2>&1", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("bad.toml"), std::string::npos) << out;
  EXPECT_NE(out.find("'quorum'"), std::string::npos) << out;
  EXPECT_NE(out.find("expected an integer"), std::string::npos) << out;
}
