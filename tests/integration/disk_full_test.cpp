// Disk full under the AOF: the datanode's dir is a small tmpfs (2 MB, half of it taken by a filler file).
//   everysec: a failed write refuses writes (and PING) with Redis' -MISCONF text, reads still work, the
//             process stays up, and writes are taken again once space is freed (the write is retried
//             every second); after SIGKILL + restart every acknowledged write is there.
//   always:   as Redis, the process exits rather than answer a write it could not sync; restarted,
//             it holds every acknowledged write, and once the file system is made bigger it takes writes.
//   with sentinels: a master refusing PING with -MISCONF is failed over (as Redis Sentinel does with
//             Redis), and once its disk has room again it rejoins as a replica.
// Needs root and a working `mount -t tmpfs`; skipped otherwise. The tmpfs is always unmounted.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "sentinel_lab.h"

using harness::Client;
using harness::eventually;
using harness::Process;
using harness::Reply;
using namespace std::chrono_literals;

namespace {

const char* const kMisconf = "MISCONF Errors writing to the AOF file: No space left on device";

// A tmpfs of `size` mounted on a fresh directory; unmounted and removed when the object goes away.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& size) {
    char tmpl[] = "/tmp/datanode-diskfull-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      why_ = std::string("mkdtemp: ") + strerror(errno);
      return;
    }
    path_ = tmpl;
    if (geteuid() != 0) {
      why_ = "needs root to mount a tmpfs";
      return;
    }
    if (mount("tmpfs", path_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
      why_ = std::string("mount -t tmpfs failed: ") + strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~SmallTmpfs() {
    if (mounted_ && umount2(path_.c_str(), 0) != 0) umount2(path_.c_str(), MNT_DETACH);
    if (!path_.empty()) rmdir(path_.c_str());
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_; }
  const std::string& path() const { return path_; }
  bool resize(const std::string& size) {
    return mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }
  void fill(const std::string& name, size_t bytes) const {
    std::ofstream out(path_ + "/" + name, std::ios::binary);
    std::string chunk(64 * 1024, 'f');
    for (size_t done = 0; done < bytes; done += chunk.size())
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }

 private:
  std::string path_;
  std::string why_;
  bool mounted_ = false;
};

// The datanode with its data dir on the tmpfs; config and log stay outside it.
struct NodeOnTmpfs {
  NodeOnTmpfs(const SmallTmpfs& fs, const std::string& appendfsync) : port(harness::free_port()) {
    dir.write("datanode.toml", "port = " + std::to_string(port) + "\nbind = [\"127.0.0.1\"]\ndir = \"" +
                                   fs.path() + "\"\nappendonly = true\nappendfsync = \"" + appendfsync +
                                   "\"\n");
    start();
  }
  void start() {
    proc = Process(DATANODE_BIN, {"--config", dir.file("datanode.toml")}, dir.file("datanode.log"));
    harness::wait_for_port(port, 20s);
  }
  harness::TempDir dir;
  int port;
  Process proc;
};

std::string value(int64_t i) {
  std::string v = std::to_string(i);
  v.resize(1000, '.');  // 1 KB a record: the 2 MB file system fills after about a thousand
  return v;
}

std::string persistence_field(Client& c, const std::string& field) {
  Reply r = c.command({"INFO", "persistence"});
  std::string key = "\r\n" + field + ":";
  size_t at = r.str.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return r.str.substr(at, r.str.find("\r\n", at) - at);
}

// Every acknowledged value, in order, and nothing else (the list only ever receives acknowledged pushes,
// except at most one whose reply was cut off by the exit).
void expect_list_holds(Client& c, const std::vector<int64_t>& acked, size_t unacked_allowed) {
  Reply r = c.command({"LRANGE", "l", "0", "-1"});
  ASSERT_EQ(r.type, Reply::Type::kArray) << r.str;
  ASSERT_GE(r.elements.size(), acked.size());
  ASSERT_LE(r.elements.size(), acked.size() + unacked_allowed);
  for (size_t i = 0; i < acked.size(); ++i)
    ASSERT_EQ(r.elements[i].str, value(acked[i])) << "acknowledged write " << i << " lost or out of order";
}

TEST(DiskFull, EverysecRefusesWritesWithMisconfAndRecoversWhenSpaceIsFreed) {
  SmallTmpfs fs("2m");
  if (!fs.mounted()) GTEST_SKIP() << fs.why_not();
  fs.fill("filler", 1024 * 1024);
  NodeOnTmpfs node(fs, "everysec");
  Client c(node.port);
  std::vector<int64_t> acked;
  Reply r;
  int64_t i = 0;
  for (; i < 5000; ++i) {
    r = c.command({"RPUSH", "l", value(i)});
    if (r.type != Reply::Type::kInteger) break;
    acked.push_back(i);
  }
  ASSERT_EQ(r.str, kMisconf) << "after " << acked.size() << " writes";
  std::printf("everysec: %zu writes acknowledged before the disk filled\n", acked.size());
  EXPECT_TRUE(node.proc.running());
  // Writes (even ones that would change nothing) and PING are refused; reads work.
  EXPECT_EQ(c.command({"SET", "k", "v"}).str, kMisconf);
  EXPECT_EQ(c.command({"DEL", "nokey"}).str, kMisconf);
  EXPECT_EQ(c.command({"PING"}).str, kMisconf);
  EXPECT_EQ(c.command({"LLEN", "l"}).integer, static_cast<int64_t>(acked.size()));
  EXPECT_EQ(c.command({"GET", "k"}).type, Reply::Type::kNil);
  EXPECT_EQ(persistence_field(c, "aof_last_write_status"), "err");
  // Still refused a second later: the retry fails as long as the disk is full.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(c.command({"RPUSH", "l", value(i)}).str, kMisconf);

  // Space comes back: the retried write succeeds and writes are taken again.
  ASSERT_EQ(unlink((fs.path() + "/filler").c_str()), 0);
  auto freed = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return c.command({"PING"}).str == "PONG"; }, 5s)) << node.proc.log();
  std::printf("everysec: writes accepted again %lld ms after space was freed\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - freed)
                                         .count()));
  EXPECT_EQ(persistence_field(c, "aof_last_write_status"), "ok");
  for (int n = 0; n < 50; ++n, ++i) {
    r = c.command({"RPUSH", "l", value(i)});
    ASSERT_EQ(r.type, Reply::Type::kInteger) << r.str;
    acked.push_back(i);
  }
  EXPECT_NE(node.proc.log().find("AOF write error looks solved"), std::string::npos);

  // Written to the file (everysec: a process kill loses nothing that write(2) took), so a SIGKILL and
  // a restart give every acknowledged write back.
  std::this_thread::sleep_for(1200ms);
  node.proc.kill(SIGKILL);
  node.proc.wait(10s);
  node.start();
  Client after(node.port);
  expect_list_holds(after, acked, 0);
}

TEST(DiskFull, AlwaysExitsLikeRedisAndLosesNoAcknowledgedWrite) {
  SmallTmpfs fs("2m");
  if (!fs.mounted()) GTEST_SKIP() << fs.why_not();
  fs.fill("filler", 1024 * 1024);
  NodeOnTmpfs node(fs, "always");
  std::vector<int64_t> acked;
  int64_t i = 0;
  {
    Client c(node.port);
    Reply r;
    for (; i < 5000; ++i) {
      r = c.command({"RPUSH", "l", value(i)});
      if (r.type != Reply::Type::kInteger) break;
      acked.push_back(i);
    }
    // No reply at all for the write that could not be synced: the process is gone.
    EXPECT_EQ(r.str.rfind("IO", 0), 0u) << r.str;
    ++i;
  }
  EXPECT_EQ(node.proc.wait(10s), 1);
  EXPECT_NE(node.proc.log().find("Can't recover from AOF write error when the AOF fsync policy is 'always'"),
            std::string::npos);
  std::printf("always: %zu writes acknowledged before the disk filled and the node exited\n", acked.size());

  // Restarted on the still-full disk: everything acknowledged is there and readable.
  node.start();
  {
    Client c(node.port);
    expect_list_holds(c, acked, 0);
  }
  // The file system grows (remount): writes are taken again, and survive a SIGKILL.
  ASSERT_TRUE(fs.resize("8m")) << strerror(errno);
  {
    Client c(node.port);
    for (int n = 0; n < 200; ++n, ++i) {
      Reply r = c.command({"RPUSH", "l", value(i)});
      ASSERT_EQ(r.type, Reply::Type::kInteger) << r.str;
      acked.push_back(i);
    }
  }
  node.proc.kill(SIGKILL);
  node.proc.wait(10s);
  node.start();
  Client c(node.port);
  expect_list_holds(c, acked, 0);
}

TEST(DiskFull, SentinelsFailOverAMasterThatCannotWriteItsAof) {
  SmallTmpfs fs("2m");
  if (!fs.mounted()) GTEST_SKIP() << fs.why_not();
  fs.fill("filler", 1024 * 1024);
  using sentinel_lab::DataNode;
  std::vector<std::unique_ptr<DataNode>> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(std::make_unique<DataNode>());
    DataNode& n = *nodes.back();
    n.kind = sentinel_lab::DataKind::kDatanode;
    std::string toml = "port = " + std::to_string(n.port) +
                       "\nbind = [\"127.0.0.1\"]\nappendonly = true\nrepl-diskless-sync-delay = 0\n";
    // The master's data on the small tmpfs, the replicas' on the ordinary disk.
    toml += "dir = \"" + (i == 0 ? fs.path() : n.dir.path()) + "\"\n";
    if (i > 0) toml += "replicaof = \"127.0.0.1 " + std::to_string(nodes[0]->port) + "\"\n";
    n.dir.write("datanode.toml", toml);
    n.start();
  }
  DataNode& master = *nodes[0];
  std::vector<std::unique_ptr<sentinel_lab::SentinelNode>> sentinels;
  for (int i = 0; i < 3; ++i) {
    sentinels.push_back(std::make_unique<sentinel_lab::SentinelNode>());
    sentinels.back()->write_config(master.port, 2, 1000, 6000);
    sentinels.back()->start();
  }
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& s : sentinels)
          if (s->master_field("num-slaves") != "2" || s->master_field("num-other-sentinels") != "2")
            return false;
        return true;
      },
      30s));

  Client c(master.port);
  int64_t acked = 0;
  Reply r;
  for (int64_t i = 0; i < 5000; ++i, ++acked) {
    r = c.command({"RPUSH", "l", value(i)});
    if (r.type != Reply::Type::kInteger) break;
  }
  ASSERT_EQ(r.str, kMisconf);
  EXPECT_EQ(c.command({"PING"}).str, kMisconf);
  auto full_at = std::chrono::steady_clock::now();
  int new_port = 0;
  ASSERT_TRUE(eventually(
      [&] {
        new_port = sentinels[0]->master_port();
        if (new_port == master.port || new_port == 0) return false;
        for (auto& s : sentinels)
          if (s->master_port() != new_port) return false;
        return true;
      },
      40s))
      << sentinels[0]->dir.read("sentinel.log");
  std::printf("disk full on the master: sentinels failed over to %d after %lld ms\n", new_port,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - full_at)
                                         .count()));
  // Every acknowledged write reached the replicas before the disk filled, and the new master takes writes.
  Client nm(new_port);
  EXPECT_TRUE(eventually(
      [&] {
        return nm.command({"RPUSH", "l", "after"}).type == Reply::Type::kInteger;
      },
      20s));
  EXPECT_GE(nm.command({"LLEN", "l"}).integer, acked + 1);

  // Room again: PING is answered, and the sentinels turn the old master into a replica of the new one.
  ASSERT_EQ(unlink((fs.path() + "/filler").c_str()), 0);
  ASSERT_TRUE(fs.resize("8m"));
  EXPECT_TRUE(eventually(
      [&] {
        return master.info_field("role") == "slave" &&
               master.info_field("master_port") == std::to_string(new_port) &&
               master.info_field("master_link_status") == "up";
      },
      60s))
      << master.dir.read("datanode.log");
}

}  // namespace
