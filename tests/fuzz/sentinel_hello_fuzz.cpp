// libFuzzer target for the sentinel's hello messages (Monitor::process_hello): every line of the input
// is one payload published on __sentinel__:hello, processed in order by a Monitor that watches one
// master ("mymaster" at 127.0.0.1:6379) and is never started (no links, no timer: only the parsing and
// the model updates run). Each time the monitor asks for a state-file flush the file is rendered, and
// the last rendering must load again: a peer's hello must not be able to write a state file the
// sentinel refuses at its next start.
// INFO replies are fuzzed by sentinel_info_fuzz.cpp (the parser Monitor::refresh_from_info applies).
//
// This target found that hello fields were taken as they came, so bytes that are not UTF-8 (e.g.
// "1.2.3.4,26380,\xff,1,mymaster,127.0.0.1,6379,0", which anyone able to PUBLISH on the master can send)
// reached the TOML state file, which the sentinel then refused at its next start; process_hello now
// checks the fields. It then found that the master port of a hello was not range-checked, so
// "...,mymaster,127.0.0.1,66379,3" switched the master to port 66379 and wrote a state file that does
// not load (corpus/sentinel_hello/master_port_out_of_range); process_hello now drops such hellos.
// FUZZ_SKIP_KNOWN_BUGS=1 still skips non-UTF-8 payloads (to look past a regression).
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/config/registry.h"
#include "common/log/log.h"
#include "sentinel/model/sentinel_state.h"
#include "sentinel/monitor/monitor.h"
#include "sentinel/settings.h"
#include "sentinel/state/config_file.h"
#include "tests/fuzz/utf8.h"

namespace {

const char* kMyId = "0123456789abcdef0123456789abcdef01234567";

void quiet_logs() {
  static bool done = false;
  if (done) return;
  done = true;
  logx::Options o;
  o.level = logx::Level::kWarning;
  o.file = "/dev/null";
  logx::configure(o);
}

bool skip_known_bugs() {
  static const bool on = std::getenv("FUZZ_SKIP_KNOWN_BUGS") != nullptr;
  return on;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  quiet_logs();
  std::string_view input(reinterpret_cast<const char*>(data), size);

  sentinel::SentinelState st;
  st.myid = kMyId;
  sentinel::Settings settings;
  config::Registry registry;
  sentinel::register_settings(settings, registry);
  std::string rendered;
  bool flushed = false;
  sentinel::Monitor monitor(uv_default_loop(), st, settings, [&] {
    rendered = sentinel::state::render("", registry, st);
    flushed = true;
  });
  monitor.add_master(sentinel::state::make_master("mymaster", "127.0.0.1", 6379, 2));

  while (!input.empty()) {
    size_t nl = input.find('\n');
    std::string_view payload = input.substr(0, nl);
    if (!skip_known_bugs() || fuzz::valid_utf8(payload)) monitor.process_hello(payload);
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }

  if (flushed) {
    sentinel::SentinelState loaded;
    std::string err = sentinel::state::load(rendered, "state.toml", loaded);
    if (!err.empty()) {
      std::fprintf(stderr, "rendered state does not load: %s\n--- rendered\n%s\n", err.c_str(),
                   rendered.c_str());
      std::abort();
    }
  }
  return 0;
}
