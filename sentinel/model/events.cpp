#include "sentinel/model/events.h"

namespace sentinel {

std::string Events::describe(const Instance& ri) {
  std::string out = std::string(instance_type(ri)) + " " + ri.name + " " + ri.addr.ip + " " + std::to_string(ri.addr.port);
  if (!ri.is(kMaster) && ri.master != nullptr) {
    const Instance& m = *ri.master;
    out += " @ " + m.name + " " + m.addr.ip + " " + std::to_string(m.addr.port);
  }
  return out;
}

void Events::emit(logx::Level level, std::string_view type, const Instance* ri, std::string_view extra,
                  bool with_instance) {
  std::string msg;
  if (with_instance && ri != nullptr) msg = describe(*ri);
  if (!extra.empty()) {
    if (!msg.empty()) msg += " ";
    msg += extra;
  }
  logx::write(level, "%.*s %s", static_cast<int>(type.size()), type.data(), msg.c_str());
  if (level != logx::Level::kDebug && publisher_) publisher_(type, msg);
  Event ev{level, std::string(type), ri, nullptr, msg};
  if (ri != nullptr) ev.master = ri->is(kMaster) ? ri : ri->master;
  for (const auto& o : observers_) o(ev);
}

}  // namespace sentinel
