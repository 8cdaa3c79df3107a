// rlink::Link's reconnect timing against a port nobody listens on: the back-off grows to its maximum,
// unless refused_retry_ms asks for a refused connection to be noticed and retried promptly (a restarting
// server).
#include "common/link/link.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <vector>

#include "common/util/clock.h"

namespace {

// A loopback port that was just free: bound to learn a number, then closed.
int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// The waits between failed attempts (ms from a failure to the next allowed attempt).
std::vector<int64_t> waits_after_refusals(int64_t refused_retry_ms, int attempts) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<int64_t> waits;
  {
    rlink::Options o;
    o.host = "127.0.0.1";
    o.port = closed_port();
    o.refused_retry_ms = refused_retry_ms;
    o.connect_timeout_ms = 200;  // without the refused check, a refused connect ends only here
    rlink::Link link(&loop, o);
    int64_t failed_at = 0;
    link.on_disconnect = [&] { failed_at = util::mono_ms(); };
    int64_t now = util::mono_ms();
    for (int i = 0; i < attempts; ++i) {
      failed_at = 0;
      link.tick(now);
      // hiredis learns how the connect went when it has something to write.
      link.command({"PING"}, nullptr);
      // As the owner's timer does: tick every few ms until the attempt failed.
      int64_t deadline = util::mono_ms() + 3000;
      while (failed_at == 0 && util::mono_ms() < deadline) {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(5000);
        link.tick(util::mono_ms());
      }
      if (failed_at == 0) break;
      waits.push_back(link.next_attempt_ms() - failed_at);
      now = link.next_attempt_ms();
    }
  }
  while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
  }
  uv_loop_close(&loop);
  return waits;
}

}  // namespace

TEST(LinkReconnect, BackoffGrowsByDefault) {
  auto waits = waits_after_refusals(0, 5);
  ASSERT_EQ(waits.size(), 5u);
  EXPECT_LE(waits.front(), 100);
  EXPECT_GE(waits.back(), 900);  // 100, 200, 400, 800, 1000 (capped)
}

TEST(LinkReconnect, RefusedConnectionRetriedPromptly) {
  auto waits = waits_after_refusals(100, 5);
  ASSERT_EQ(waits.size(), 5u);
  for (int64_t w : waits) EXPECT_LE(w, 100);
}
