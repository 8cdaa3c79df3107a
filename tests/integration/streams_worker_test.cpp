// A stream work queue as applications run it with redis-py: three consumers in one group, one of them
// killed (SIGKILL) while it holds pending entries; the survivors recover those with XAUTOCLAIM and in
// the end every entry has been acknowledged exactly once (XACK answered 1 once per ID).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "harness.h"

namespace {

const char* kWorker = R"(import sys, time, redis
port, name, mode, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
r = redis.Redis(port=port, decode_responses=True)
out = open(log, 'a', buffering=1)
if mode == 'victim':
    # Takes work and never finishes it: it is killed while the entries are pending.
    r.xreadgroup('workers', name, {'jobs': '>'}, count=10)
    while True:
        time.sleep(1)
while True:
    got = r.xreadgroup('workers', name, {'jobs': '>'}, count=5, block=100)
    ids = [i for _, entries in (got or []) for i, _ in entries]
    claimed = r.xautoclaim('jobs', 'workers', name, min_idle_time=300, start_id='0-0', count=10)
    ids += [i for i, _ in claimed[1]]
    for i in ids:
        if r.xack('jobs', 'workers', i) == 1:
            out.write(i + '\n')
)";

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string l;
  while (std::getline(in, l))
    if (!l.empty()) out.push_back(l);
  return out;
}

}  // namespace

TEST(StreamsWorker, KilledConsumerEntriesAreReclaimedAndAckedOnce) {
  if (!harness::have_program("/usr/bin/python3") ||
      harness::run("/usr/bin/python3 -c 'import redis; print(1)' 2>/dev/null").find('1') ==
          std::string::npos) {
    GTEST_SKIP() << "python3-redis not installed";
  }
  harness::Datanode node;
  auto c = node.client();
  constexpr int kEntries = 300;
  for (int i = 0; i < kEntries; ++i) c->command({"XADD", "jobs", "*", "n", std::to_string(i)});
  ASSERT_EQ(c->command({"XGROUP", "CREATE", "jobs", "workers", "0"}).str, "OK");

  std::string script = node.dir.file("worker.py");
  std::ofstream(script) << kWorker;
  std::vector<std::string> logs = {node.dir.file("w0.log"), node.dir.file("w1.log"),
                                   node.dir.file("victim.log")};
  std::string port = std::to_string(node.port);
  harness::Process victim("/usr/bin/python3", {script, port, "victim", "victim", logs[2]},
                          node.dir.file("v.out"));
  ASSERT_TRUE(harness::eventually(
      [&] {
        auto r = c->command({"XPENDING", "jobs", "workers"});
        return r.elements.size() == 4 && r.elements[0].integer == 10;
      },
      std::chrono::seconds(10)));
  victim.kill(SIGKILL);
  victim.wait(std::chrono::seconds(5));

  harness::Process w0("/usr/bin/python3", {script, port, "w0", "worker", logs[0]}, node.dir.file("w0.out"));
  harness::Process w1("/usr/bin/python3", {script, port, "w1", "worker", logs[1]}, node.dir.file("w1.out"));
  bool done = harness::eventually(
      [&] {
        size_t n = 0;
        for (const auto& l : logs) n += lines(l).size();
        return n >= kEntries;
      },
      std::chrono::seconds(30));
  w0.kill(SIGKILL);
  w1.kill(SIGKILL);
  w0.wait(std::chrono::seconds(5));
  w1.wait(std::chrono::seconds(5));
  ASSERT_TRUE(done) << w0.log() << w1.log();

  std::multiset<std::string> acked;
  for (const auto& l : logs)
    for (const auto& id : lines(l)) acked.insert(id);
  std::set<std::string> unique(acked.begin(), acked.end());
  EXPECT_EQ(acked.size(), static_cast<size_t>(kEntries));
  EXPECT_EQ(unique.size(), static_cast<size_t>(kEntries));
  EXPECT_TRUE(lines(logs[2]).empty());  // the victim never acknowledged anything
  auto pending = c->command({"XPENDING", "jobs", "workers"});
  ASSERT_EQ(pending.elements.size(), 4u);
  EXPECT_EQ(pending.elements[0].integer, 0);
  // Both survivors did work, and the victim's entries went to one of them.
  EXPECT_FALSE(lines(logs[0]).empty() && lines(logs[1]).empty());
}
