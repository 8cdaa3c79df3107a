// Damaged append-only files and failing disks with the real binary: a tail cut short by a crash is
// dropped and the file truncated (or the start refused with aof-load-truncated no), corruption in the
// middle refuses the start naming the offset, `datanode --check-aof [--fix]`, and a write error
// (file size limit) refuses writes with -MISCONF until the disk takes data again, losing nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <thread>

#include "harness.h"

using harness::Client;
using harness::Datanode;
using harness::Process;
using harness::Reply;

namespace {

std::string info_field(Client& c, const std::string& name) {
  return harness::info_field(c, "persistence", name);
}

// Starts the node on its config and waits for it to exit (a refused start); returns the exit status.
int start_expecting_exit(Datanode& node) {
  node.process = Process(node.binary, {"--config", node.config_path}, node.dir.file("datanode.log"));
  return node.process.wait(std::chrono::seconds(20));
}

void stop(Datanode& node) {
  node.process.kill(SIGKILL);
  node.process.wait(std::chrono::seconds(10));
}

void fill(Client& c, int n) {
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(c.command({"SET", "key:" + std::to_string(i), std::to_string(i)}).str, "OK");
}

}  // namespace

TEST(AofRepair, TruncatedTailIsDroppedAndFileRepaired) {
  Datanode node("appendonly = true\nappendfsync = \"always\"");
  {
    auto c = node.client();
    fill(*c, 100);
  }
  stop(node);
  std::string good = node.dir.read("appendonly.aof");
  // A crash in the middle of writing a record.
  node.dir.write("appendonly.aof", good + "*3\r\n$3\r\nSET\r\n$5\r\nhalf-");
  node.start();
  auto c = node.client();
  ASSERT_TRUE(c->connected()) << node.process.log();
  EXPECT_EQ(c->command({"DBSIZE"}).integer, 100);
  EXPECT_EQ(node.dir.read("appendonly.aof").substr(0, good.size()), good);
  EXPECT_NE(node.process.log().find("Truncating the AOF"), std::string::npos);
  // Appending goes on from the repaired end: a later restart reads everything.
  c->command({"SET", "after", "1"});
  node.restart();
  c = node.client();
  EXPECT_EQ(c->command({"DBSIZE"}).integer, 101);
}

TEST(AofRepair, TruncatedTailRefusedWhenLoadTruncatedIsNo) {
  Datanode node("appendonly = true\naof-load-truncated = false");
  {
    auto c = node.client();
    fill(*c, 10);
  }
  stop(node);
  std::string good = node.dir.read("appendonly.aof");
  node.dir.write("appendonly.aof", good + "*2\r\n$3\r\nDEL");
  EXPECT_EQ(start_expecting_exit(node), 1);
  std::string log = node.process.log();
  EXPECT_NE(log.find("Unexpected end of file"), std::string::npos) << log;
  EXPECT_NE(log.find("offset " + std::to_string(good.size())), std::string::npos) << log;
}

TEST(AofRepair, CorruptMiddleRefusesStartThenCheckAofFixes) {
  Datanode node("appendonly = true");
  {
    auto c = node.client();
    fill(*c, 50);
  }
  stop(node);
  std::string data = node.dir.read("appendonly.aof");
  // Damage the record that starts at the 21st '*' of a header: its "$" becomes "#".
  size_t record = 0;
  for (int n = 0; n < 21; ++n) record = data.find("*3\r\n", record + 1);
  ASSERT_NE(record, std::string::npos);
  data[record + 4] = '#';
  node.dir.write("appendonly.aof", data);

  EXPECT_EQ(start_expecting_exit(node), 1);
  std::string log = node.process.log();
  EXPECT_NE(log.find("Bad file format"), std::string::npos) << log;
  EXPECT_NE(log.find("offset " + std::to_string(record)), std::string::npos) << log;
  EXPECT_NE(log.find("--check-aof"), std::string::npos) << log;

  std::string file = node.dir.file("appendonly.aof");
  int status = -1;
  std::string out = harness::run(node.binary + " --check-aof " + file, &status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("ok_up_to=" + std::to_string(record)), std::string::npos) << out;
  EXPECT_NE(out.find("not valid"), std::string::npos) << out;
  // --fix shows what it would drop and asks first: no answer leaves the file as it was.
  const size_t damaged_size = node.dir.read("appendonly.aof").size();
  out = harness::run(node.binary + " --check-aof " + file + " --fix </dev/null", &status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("dropping the last " + std::to_string(damaged_size - record) + " bytes"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Aborted"), std::string::npos) << out;
  EXPECT_EQ(node.dir.read("appendonly.aof").size(), damaged_size);
  out = harness::run("echo y | " + node.binary + " --check-aof " + file + " --fix", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Successfully truncated"), std::string::npos) << out;
  out = harness::run(node.binary + " --check-aof " + file, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(node.dir.read("appendonly.aof").size(), record);

  node.start();
  auto c = node.client();
  ASSERT_TRUE(c->connected()) << node.process.log();
  // The records before the damaged one: SELECT 0 and the first 20 SETs.
  EXPECT_EQ(c->command({"DBSIZE"}).integer, 20);
  EXPECT_EQ(c->command({"GET", "key:19"}).str, "19");
}

TEST(AofRepair, WriteErrorsRefuseWritesWithMisconfAndRecover) {
  if (!harness::have_program("prlimit")) GTEST_SKIP() << "prlimit not installed";
  Datanode node("appendonly = true\nappendfsync = \"everysec\"\nauto-aof-rewrite-percentage = 0");
  stop(node);
  // The file size limit makes write(2) fail with EFBIG once the AOF reaches 64 KB.
  node.process =
      Process("/usr/bin/prlimit", {"--fsize=65536:unlimited", node.binary, "--config", node.config_path},
              node.dir.file("datanode.log"));
  ASSERT_TRUE(harness::wait_for_port(node.port, std::chrono::seconds(20)));
  auto c = node.client();
  std::string value(1000, 'v');
  int acked = 0;
  Reply r;
  for (int i = 0; i < 500; ++i) {
    r = c->command({"SET", "key:" + std::to_string(i), value});
    if (r.is_error()) break;
    acked = i + 1;
  }
  ASSERT_TRUE(r.is_error()) << "the file size limit never hit";
  EXPECT_EQ(r.str, "MISCONF Errors writing to the AOF file: File too large");
  EXPECT_EQ(info_field(*c, "aof_last_write_status"), "err");
  EXPECT_EQ(c->command({"GET", "key:0"}).str, value);  // reads still work

  // Disk space comes back: the pending buffer is written by the retry and writes are accepted again.
  harness::run("prlimit --pid " + std::to_string(node.process.pid()) + " --fsize=unlimited:unlimited");
  ASSERT_TRUE(harness::eventually([&] { return info_field(*c, "aof_last_write_status") == "ok"; },
                                  std::chrono::seconds(10)));
  EXPECT_EQ(c->command({"SET", "after", "1"}).str, "OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // everysec
  node.restart();
  c = node.client();
  EXPECT_EQ(c->command({"DBSIZE"}).integer, acked + 1);
  EXPECT_EQ(c->command({"GET", "key:" + std::to_string(acked - 1)}).str, value);
}
