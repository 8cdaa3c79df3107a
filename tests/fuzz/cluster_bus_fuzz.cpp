// libFuzzer target for the cluster bus decoder (datanode/cluster/bus_codec.cpp): the input is a stream
// of bytes as a peer would send it on the bus port; frames are cut with frame_length() as Cluster does
// and each one decoded. Hostile frames (truncated headers, wrong lengths and signatures, unknown types,
// huge gossip or extension counts) must be refused with a reason, never read out of bounds; a frame that
// decodes must encode to a frame that decodes to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "datanode/cluster/bus_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    int64_t len = cluster::frame_length(in);
    if (len <= 0 || static_cast<size_t>(len) > in.size()) {
      // Cluster closes the link on a bad frame; a short one waits for more bytes. Try the rest as
      // a frame of its own length anyway, so the decoder sees truncated and padded frames too.
      std::string why;
      (void)cluster::decode(in, &why);
      break;
    }
    std::string why;
    auto m = cluster::decode(in.substr(0, static_cast<size_t>(len)), &why);
    if (m && m->type <= cluster::kMsgPublishShard && m->type != cluster::kMsgModule) {
      std::string again = cluster::encode(*m);
      std::string why2;
      auto m2 = cluster::decode(again, &why2);
      if (!m2) abort();
      if (m2->sender != m->sender || m2->gossip.size() != m->gossip.size() || m2->about != m->about ||
          m2->myslots != m->myslots || m2->channel != m->channel || m2->payload != m->payload)
        abort();
    }
    in.remove_prefix(static_cast<size_t>(len));
  }
  return 0;
}
