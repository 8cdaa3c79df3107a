// ClientPause's purposes (Redis 7.0's pause_purpose): each purpose holds its own pause, the effective one
// is the strictest active pause, ending one purpose's pause leaves the others, a purpose's pause is only
// ever extended and made stricter, expired pauses drop out.
#include <gtest/gtest.h>

#include <thread>

#include "common/util/clock.h"
#include "datanode/server/client_pause.h"
#include "datanode/server/server.h"
#include "datanode/server/settings.h"

namespace {

using datanode::ClientPause;
using datanode::PausePurpose;
using datanode::PauseType;

class ClientPauseTest : public ::testing::Test {
 protected:
  ClientPauseTest() {
    datanode::register_settings(settings_, registry_);
    server_ = std::make_unique<datanode::Server>(settings_, registry_);
  }
  ClientPause& pause() { return server_->client_pause(); }

  datanode::Settings settings_;
  config::Registry registry_;
  std::unique_ptr<datanode::Server> server_;
};

}  // namespace

TEST_F(ClientPauseTest, EndingOnePurposeKeepsTheOthers) {
  int64_t now = util::mono_ms();
  EXPECT_FALSE(pause().paused());
  pause().pause(PausePurpose::kClientCommand, now + 10000, PauseType::kWrite);
  pause().pause(PausePurpose::kFailover, ClientPause::kForever, PauseType::kWrite);
  pause().unpause(PausePurpose::kFailover);
  EXPECT_EQ(pause().type(), PauseType::kWrite);
  pause().pause(PausePurpose::kShutdown, ClientPause::kForever, PauseType::kAll);
  EXPECT_EQ(pause().type(), PauseType::kAll);
  pause().unpause(PausePurpose::kShutdown);
  EXPECT_EQ(pause().type(), PauseType::kWrite);
  pause().unpause(PausePurpose::kClientCommand);
  EXPECT_EQ(pause().type(), PauseType::kOff);
  // Unpausing a purpose that holds no pause changes nothing.
  pause().unpause(PausePurpose::kFailover);
  EXPECT_FALSE(pause().paused());
}

TEST_F(ClientPauseTest, SamePurposeOnlyExtendsAndTightens) {
  int64_t now = util::mono_ms();
  pause().pause(PausePurpose::kClientCommand, now + 100000, PauseType::kAll);
  pause().pause(PausePurpose::kClientCommand, now + 10, PauseType::kWrite);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(pause().type(), PauseType::kAll);
}

TEST_F(ClientPauseTest, StrictestExpiresFirstThenTheLaxerOneApplies) {
  int64_t now = util::mono_ms();
  pause().pause(PausePurpose::kClientCommand, now + 50, PauseType::kAll);
  pause().pause(PausePurpose::kFailover, ClientPause::kForever, PauseType::kWrite);
  EXPECT_EQ(pause().type(), PauseType::kAll);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(pause().type(), PauseType::kWrite);
  pause().unpause(PausePurpose::kFailover);
  EXPECT_EQ(pause().type(), PauseType::kOff);
}

TEST_F(ClientPauseTest, ExpiredPauseIsOff) {
  int64_t now = util::mono_ms();
  pause().pause(PausePurpose::kShutdown, now - 1, PauseType::kWrite);
  EXPECT_EQ(pause().type(), PauseType::kOff);
}
