// PUBLISH reaches replicas through the propagation path but is not data: the AOF must not log it.
#include <gtest/gtest.h>

#include "harness.h"

using namespace std::chrono_literals;

TEST(AofPublish, PublishIsNotWrittenToTheFile) {
  harness::Datanode node("appendonly = true\nappendfsync = \"always\"");
  harness::Client c(node.port);
  ASSERT_EQ(c.command({"PUBLISH", "news", "hello"}).integer, 0);
  ASSERT_EQ(c.command({"SET", "k", "v"}).str, "OK");
  std::string aof;
  ASSERT_TRUE(harness::eventually(
      [&] {
        aof = node.dir.read("appendonly.aof");
        return aof.find("$1\r\nk\r\n") != std::string::npos;
      },
      10s))
      << aof;
  EXPECT_EQ(aof.find("PUBLISH"), std::string::npos) << aof;
  EXPECT_EQ(aof.find("publish"), std::string::npos) << aof;
}
