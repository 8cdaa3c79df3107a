// Every sentinel event (+sdown, +switch-master, ...) goes through Events::emit: one place that formats it
// as Redis does, logs it, publishes it on the sentinel's own pub/sub, hands warnings to the notification
// script and tells observers (metrics) without them touching the monitoring logic.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log/log.h"
#include "sentinel/model/instance.h"

namespace sentinel {

struct Event {
  logx::Level level;
  std::string type;              // "+sdown"
  const Instance* instance;      // may be null
  const Instance* master;        // the master the event is about (the instance itself for masters)
  std::string message;           // what follows the type: "master mymaster 127.0.0.1 6379 #quorum 2/2"
};

class Events {
 public:
  using Observer = std::function<void(const Event&)>;
  using Publisher = std::function<void(std::string_view channel, std::string_view message)>;

  void add_observer(Observer o) { observers_.push_back(std::move(o)); }
  void set_publisher(Publisher p) { publisher_ = std::move(p); }

  // Formats "<kind> <name> <ip> <port> [@ <master> <ip> <port>]" for the instance (Redis' %@), then the
  // extra text. With with_instance=false only `extra` is the message (+switch-master, +new-epoch...).
  void emit(logx::Level level, std::string_view type, const Instance* ri, std::string_view extra = "",
            bool with_instance = true);

  // The "%@" part alone.
  static std::string describe(const Instance& ri);

 private:
  std::vector<Observer> observers_;
  Publisher publisher_;
};

}  // namespace sentinel
