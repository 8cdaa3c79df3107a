// CLIENT subcommands that change how the server treats connections: PAUSE/UNPAUSE, REPLY, and the
// client-side caching ones (TRACKING, CACHING, GETREDIR, TRACKINGINFO); texts as Redis 7.0.
#include "datanode/commands/client_control.h"

#include "common/util/clock.h"
#include "datanode/server/client_pause.h"
#include "datanode/server/server.h"
#include "datanode/server/tracking.h"

namespace datanode {

void client_pause(Context& ctx) {
  bool all = true;
  if (ctx.argc() == 4) {
    if (util::iequals(ctx.arg(3), "write"))
      all = false;
    else if (!util::iequals(ctx.arg(3), "all"))
      return ctx.out.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
  }
  auto ms = util::parse_int(ctx.arg(2));
  if (!ms) return ctx.out.error("ERR timeout is not an integer or out of range");
  if (*ms < 0) return ctx.out.error("ERR timeout is negative");
  int64_t now = util::mono_ms();
  int64_t until = *ms > INT64_MAX - now ? INT64_MAX : now + *ms;
  ctx.server.client_pause().pause(PausePurpose::kClientCommand, until,
                                  all ? PauseType::kAll : PauseType::kWrite);
  ctx.out.ok();
}

void client_unpause(Context& ctx) {
  ctx.server.client_pause().unpause(PausePurpose::kClientCommand);
  ctx.out.ok();
}

// OFF: nothing is answered until ON; SKIP: the next command's reply is dropped. The dispatcher drops
// the replies (process_input); here only the flags change, and only ON answers.
void client_reply(Context& ctx) {
  Client& c = ctx.client;
  std::string_view v = ctx.arg(2);
  if (util::iequals(v, "on")) {
    c.flags &= ~(kClientReplyOff | kClientReplySkip | kClientReplySkipNext);
    ctx.out.ok();
  } else if (util::iequals(v, "off")) {
    c.flags |= kClientReplyOff;
  } else if (util::iequals(v, "skip")) {
    if (!c.has(kClientReplyOff)) c.flags |= kClientReplySkipNext;
  } else {
    ctx.syntax_error();
  }
}

void client_tracking(Context& ctx) {
  Client& c = ctx.client;
  TrackingOptions o;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    if (util::iequals(opt, "redirect") && more) {
      ++j;
      if (o.redirect != 0) return ctx.out.error("ERR A client can only redirect to a single other client");
      auto id = util::parse_int(ctx.arg(j));
      if (!id) return ctx.not_integer();
      if (*id <= 0 || ctx.server.find_client(static_cast<uint64_t>(*id)) == nullptr)
        return ctx.out.error("ERR The client ID you want redirect to does not exist");
      o.redirect = static_cast<uint64_t>(*id);
    } else if (util::iequals(opt, "bcast")) {
      o.bcast = true;
    } else if (util::iequals(opt, "optin")) {
      o.optin = true;
    } else if (util::iequals(opt, "optout")) {
      o.optout = true;
    } else if (util::iequals(opt, "noloop")) {
      o.noloop = true;
    } else if (util::iequals(opt, "prefix") && more) {
      o.prefixes.emplace_back(ctx.arg(++j));
    } else {
      return ctx.syntax_error();
    }
  }
  Tracking& t = ctx.server.tracking();
  if (util::iequals(ctx.arg(2), "off")) {
    t.disable(c);
    return ctx.out.ok();
  }
  if (!util::iequals(ctx.arg(2), "on")) return ctx.syntax_error();
  if (!o.bcast && !o.prefixes.empty())
    return ctx.out.error("ERR PREFIX option requires BCAST mode to be enabled");
  if (c.has(kClientTracking) && c.has(kClientTrackingBcast) != o.bcast)
    return ctx.out.error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
        "re-enabling it with a different mode.");
  if (o.bcast && (o.optin || o.optout))
    return ctx.out.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
  if (o.optin && o.optout) return ctx.out.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if ((o.optin && c.has(kClientTrackingOptout)) || (o.optout && c.has(kClientTrackingOptin)))
    return ctx.out.error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
        "re-enabling it with a different mode.");
  if (o.bcast) {
    std::string err = t.prefix_collision(c, o.prefixes);
    if (!err.empty()) return ctx.out.error(err);
  }
  t.enable(c, o);
  ctx.out.ok();
}

void client_caching(Context& ctx) {
  Client& c = ctx.client;
  if (!c.has(kClientTracking))
    return ctx.out.error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
  std::string_view v = ctx.arg(2);
  if (util::iequals(v, "yes")) {
    if (!c.has(kClientTrackingOptin))
      return ctx.out.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (util::iequals(v, "no")) {
    if (!c.has(kClientTrackingOptout))
      return ctx.out.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
  } else {
    return ctx.syntax_error();
  }
  c.flags |= kClientTrackingCaching;
  ctx.out.ok();
}

void client_getredir(Context& ctx) {
  const Client& c = ctx.client;
  ctx.out.integer(c.has(kClientTracking) ? static_cast<int64_t>(c.tracking_redirect) : -1);
}

void client_trackinginfo(Context& ctx) {
  const Client& c = ctx.client;
  std::vector<const char*> flags = {c.has(kClientTracking) ? "on" : "off"};
  if (c.has(kClientTrackingBcast)) flags.push_back("bcast");
  if (c.has(kClientTrackingOptin)) {
    flags.push_back("optin");
    if (c.has(kClientTrackingCaching)) flags.push_back("caching-yes");
  }
  if (c.has(kClientTrackingOptout)) {
    flags.push_back("optout");
    if (c.has(kClientTrackingCaching)) flags.push_back("caching-no");
  }
  if (c.has(kClientTrackingNoloop)) flags.push_back("noloop");
  if (c.has(kClientTrackingBrokenRedir)) flags.push_back("broken_redirect");
  ctx.out.map_header(3);
  ctx.out.bulk("flags");
  ctx.out.set_header(flags.size());
  for (const char* f : flags) ctx.out.bulk(f);
  ctx.out.bulk("redirect");
  client_getredir(ctx);
  ctx.out.bulk("prefixes");
  ctx.out.array_header(c.tracking_prefixes.size());
  for (const std::string& p : c.tracking_prefixes) ctx.out.bulk(p);
}

}  // namespace datanode
