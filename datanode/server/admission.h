// Whether a command may run now: every refusal of the dispatcher, in the order of Redis 7.0.15's
// processCommand, so a request that two checks would refuse gets the same error as from Redis.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "datanode/server/server.h"

namespace datanode::admission {

struct Refusal {
  std::string error;          // "": the command may run
  bool dirties_multi = true;  // a refused command inside MULTI makes EXEC fail
  bool redirect = false;      // cluster routing: a refused EXEC gets the redirection itself
};

using RouteGuard = std::function<std::string(const Client&, const CommandSpec&, const Args&)>;

// Every check before `cmd` (null: unknown) runs for `c`, in Redis' order; `route_guards` (cluster
// routing, LFU accounting) run where Redis redirects, after ACL.
Refusal check(Server& server, Client& c, const CommandSpec* cmd, const Args& args,
              const std::vector<RouteGuard>& route_guards);

// Inside MULTI: `cmd` is queued for EXEC (MULTI, EXEC, DISCARD, WATCH ... answer a nested use themselves).
bool queued_in_multi(const Client& c, const CommandSpec& cmd);

}  // namespace datanode::admission
