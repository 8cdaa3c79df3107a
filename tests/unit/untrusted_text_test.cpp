// Text that reaches a TOML file from outside: a config with malformed UTF-8 is refused with a clear
// message (toml11 would read past its buffer), and a forged sentinel hello cannot put bytes into the
// state file that would stop the sentinel from starting again. Both were found by the fuzz targets.
#include <gtest/gtest.h>
#include <uv.h>

#include <string>

#include "common/config/registry.h"
#include "common/util/strings.h"
#include "datanode/server/settings.h"
#include "sentinel/model/sentinel_state.h"
#include "sentinel/monitor/monitor.h"
#include "sentinel/settings.h"
#include "sentinel/state/config_file.h"

namespace {

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(util::invalid_utf8_offset("plain ascii"), std::string::npos);
  EXPECT_EQ(util::invalid_utf8_offset("h\xc3\xa9llo \xe4\xb8\xad\xf0\x9f\x98\x80"), std::string::npos);
  EXPECT_EQ(util::invalid_utf8_offset("a='\xf8'"), 3u);
  EXPECT_EQ(util::invalid_utf8_offset("ab\xc0\xaf"), 2u);      // overlong '/'
  EXPECT_EQ(util::invalid_utf8_offset("\xed\xa0\x80"), 0u);    // surrogate
  EXPECT_EQ(util::invalid_utf8_offset("x\xe4\xb8"), 1u);       // cut short
}

TEST(ConfigText, MalformedUtf8IsRefusedWithOffset) {
  datanode::Settings s;
  config::Registry r;
  datanode::register_settings(s, r);
  std::string err = r.load_text("dir = '\xf8'\n", "bad.toml");
  EXPECT_EQ(err, "bad.toml: not valid UTF-8 (byte offset 7)");
  EXPECT_EQ(s.dir, ".");
  // render() of such text (CONFIG REWRITE of a damaged file) does not crash either.
  EXPECT_NE(r.render("dir = '\xf8'\n").find("dir"), std::string::npos);
}

TEST(SentinelHello, ForgedFieldsAreIgnored) {
  sentinel::SentinelState st;
  st.myid = "0123456789abcdef0123456789abcdef01234567";
  sentinel::Settings settings;
  config::Registry registry;
  sentinel::register_settings(settings, registry);
  std::string rendered;
  sentinel::Monitor monitor(uv_default_loop(), st, settings,
                            [&] { rendered = sentinel::state::render("", registry, st); });
  monitor.add_master(sentinel::state::make_master("mymaster", "127.0.0.1", 6379, 2));
  sentinel::Instance* m = st.find_master("mymaster");
  ASSERT_NE(m, nullptr);

  monitor.process_hello("1.2.3.4,26380,\xff,1,mymaster,127.0.0.1,6379,0");
  monitor.process_hello("1.2.3.4\",26380,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,1,mymaster,127.0.0.1,6379,0");
  monitor.process_hello("1.2.3.4,26380,short-id,1,mymaster,127.0.0.1,6379,0");
  EXPECT_TRUE(m->sentinels.empty());

  monitor.process_hello("1.2.3.4,26380,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,1,mymaster,127.0.0.1,6379,0");
  EXPECT_EQ(m->sentinels.size(), 1u);
  sentinel::SentinelState reloaded;
  EXPECT_EQ(sentinel::state::load(rendered, "state.toml", reloaded), "");
}

}  // namespace
