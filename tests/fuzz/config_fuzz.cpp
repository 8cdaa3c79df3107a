// libFuzzer target for the TOML configuration: config::Registry::load_text with every datanode option
// bound, then render() (what CONFIG REWRITE writes) of the same text, then CONFIG GET of everything.
// None of it may crash or let an exception escape, whatever the file holds: an operator's typo must
// end in an error message, not an abort.
//
// This target found that toml11 3.7.1 (libtoml11-dev) reads out of bounds while reporting invalid UTF-8
// inside a 'literal string' (7-byte reproducer `a='\xf8'`); the registry now refuses text that is not
// UTF-8 before toml11 sees it, so every input is fed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/registry.h"
#include "datanode/server/settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  datanode::Settings settings;
  config::Registry registry;
  datanode::register_settings(settings, registry);
  std::string err = registry.load_text(text, "fuzz.toml");
  // Rendering is done on whatever text is on disk at CONFIG REWRITE time, loaded or not.
  std::string rendered = registry.render(text);
  if (err.empty()) {
    // What we wrote must load again (CONFIG REWRITE followed by a restart).
    datanode::Settings again_settings;
    config::Registry again;
    datanode::register_settings(again_settings, again);
    std::string again_err = again.load_text(rendered, "rendered.toml");
    if (!again_err.empty()) {
      fprintf(stderr, "rendered config does not load: %s\n--- input\n%s\n--- rendered\n%s\n",
              again_err.c_str(), text.c_str(), rendered.c_str());
      abort();
    }
  }
  auto all = registry.get({"*"});
  (void)all;
  return 0;
}
