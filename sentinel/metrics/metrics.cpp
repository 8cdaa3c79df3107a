#include "sentinel/metrics/metrics.h"

#include <cstring>

#include "common/log/log.h"
#include "common/util/clock.h"
#include "sentinel/model/quorum.h"

namespace sentinel {
namespace {

using prometheus::MetricType;

// The state an operator alerts on, one of: ok, sdown, odown, failover.
const char* master_state(const Instance& m) {
  if (m.failover_state != FailoverState::kNone) return "failover";
  if (m.is(kODown)) return "odown";
  if (m.is(kSDown)) return "sdown";
  return "ok";
}

}  // namespace

SentinelMetrics::SentinelMetrics(SentinelState& state) : state_(state) {
  state_.events.add_observer([this](const Event& e) { on_event(e); });
}

SentinelMetrics::~SentinelMetrics() { stop(); }

void SentinelMetrics::stop() {
  if (timer_ == nullptr) return;
  uv_timer_stop(timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer_ = nullptr;
}

std::string SentinelMetrics::start(uv_loop_t* loop, const std::string& bind, int port) {
  if (port <= 0) return "";
  std::string err;
  exporter_ = metrics::Exporter::start(bind, port, &err);
  if (!exporter_) return err;
  LOG_NOTICE("Prometheus metrics on http://%s:%d/metrics", bind.c_str(), exporter_->port());
  timer_ = new uv_timer_t;
  uv_timer_init(loop, timer_);
  timer_->data = this;
  uv_timer_start(timer_, [](uv_timer_t* t) { static_cast<SentinelMetrics*>(t->data)->publish(); }, 0, 1000);
  return "";
}

void SentinelMetrics::publish() {
  if (exporter_) exporter_->publish(collect());
}

void SentinelMetrics::on_event(const Event& e) {
  if (e.type == "+tilt") tilt_entered_++;
  if (e.master == nullptr) {
    publish();
    return;
  }
  PerMaster& pm = masters_[e.master->name];
  pm.events[e.type]++;
  int64_t now = util::mono_ms();
  const bool about_master = e.instance == e.master;
  if (e.type == "+odown" && about_master) pm.odown_at = now;
  if (e.type == "+try-failover") {
    pm.failovers_started++;
    if (pm.odown_at == 0) pm.odown_at = now;  // forced failovers start without ODOWN
  }
  if (e.type == "+elected-leader") pm.elections_won++;
  if (e.type == "-failover-abort-not-elected") pm.elections_lost++;
  if (e.type.rfind("-failover-abort-", 0) == 0) {
    pm.failovers_aborted[e.type.substr(strlen("-failover-abort-"))]++;
    pm.odown_at = 0;
  }
  if (e.type == "+failover-end") {
    pm.failovers_succeeded++;
    if (pm.odown_at > 0) failover_seconds_.observe(static_cast<double>(now - pm.odown_at) / 1000.0);
    pm.odown_at = 0;
  }
  publish();
}

std::vector<prometheus::MetricFamily> SentinelMetrics::collect() const {
  std::vector<prometheus::MetricFamily> out;
  metrics::Family started("sentinel_failovers_started_total", "Failovers this sentinel tried to start (+try-failover).",
                          MetricType::Counter);
  metrics::Family succeeded("sentinel_failovers_succeeded_total", "Failovers this sentinel led to the end (+failover-end).",
                            MetricType::Counter);
  metrics::Family aborted("sentinel_failovers_aborted_total", "Failovers aborted, by reason.", MetricType::Counter);
  metrics::Family won("sentinel_elections_won_total", "Leader elections this sentinel won.", MetricType::Counter);
  metrics::Family lost("sentinel_elections_lost_total", "Leader elections this sentinel did not win in time.",
                       MetricType::Counter);
  metrics::Family events("sentinel_events_total", "Events published, by type (+sdown, +odown, +switch-master ...).",
                         MetricType::Counter);
  metrics::Family sdown("sentinel_sdown_transitions_total", "Times an instance of this master entered SDOWN.",
                        MetricType::Counter);
  metrics::Family odown("sentinel_odown_transitions_total", "Times this master entered ODOWN.", MetricType::Counter);
  metrics::Family state("sentinel_master_state", "Master state: 1 for the current one of ok, sdown, odown, failover.",
                        MetricType::Gauge);
  metrics::Family odown_now("sentinel_master_odown", "1 while the master is objectively down.", MetricType::Gauge);
  metrics::Family replicas("sentinel_master_replicas", "Replicas known for the master.", MetricType::Gauge);
  metrics::Family sentinels("sentinel_master_sentinels", "Other sentinels known for the master.", MetricType::Gauge);
  metrics::Family quorum("sentinel_master_quorum", "Configured quorum of the master.", MetricType::Gauge);
  metrics::Family reachable("sentinel_master_quorum_reachable",
                            "1 when enough sentinels are usable for quorum and majority (SENTINEL CKQUORUM).",
                            MetricType::Gauge);
  metrics::Family config_epoch("sentinel_master_config_epoch", "Config epoch of the master.", MetricType::Gauge);
  metrics::Family link_up("sentinel_instance_link_up", "1 when the command link to the instance is connected.",
                          MetricType::Gauge);
  metrics::Family ping_age("sentinel_instance_last_ping_reply_age_seconds",
                           "Seconds since the instance last answered a PING validly.", MetricType::Gauge);

  int64_t now = util::mono_ms();
  auto instance_samples = [&](const Instance& ri, const std::string& master, const char* kind) {
    metrics::Labels l{{"master", master}, {"instance", ri.addr.str()}, {"role", kind}};
    link_up.add(ri.cc && ri.cc->connected() ? 1 : 0, l);
    if (ri.last_avail_time > 0) ping_age.add(static_cast<double>(now - ri.last_avail_time) / 1000.0, l);
  };

  for (const auto& [name, m] : state_.masters) {
    metrics::Labels l{{"master", name}};
    auto it = masters_.find(name);
    static const PerMaster kEmpty;
    const PerMaster& pm = it == masters_.end() ? kEmpty : it->second;
    started.add(static_cast<double>(pm.failovers_started), l);
    succeeded.add(static_cast<double>(pm.failovers_succeeded), l);
    for (const char* reason : {"not-elected", "no-good-slave", "slave-timeout"}) {
      auto r = pm.failovers_aborted.find(reason);
      metrics::Labels lr{{"master", name}, {"reason", reason}};
      aborted.add(r == pm.failovers_aborted.end() ? 0 : static_cast<double>(r->second), lr);
    }
    for (const auto& [reason, n] : pm.failovers_aborted) {
      if (reason != "not-elected" && reason != "no-good-slave" && reason != "slave-timeout")
        aborted.add(static_cast<double>(n), {{"master", name}, {"reason", reason}});
    }
    won.add(static_cast<double>(pm.elections_won), l);
    lost.add(static_cast<double>(pm.elections_lost), l);
    for (const auto& [type, n] : pm.events) events.add(static_cast<double>(n), {{"master", name}, {"event", type}});
    auto count = [&](const char* type) {
      auto e = pm.events.find(type);
      return e == pm.events.end() ? 0.0 : static_cast<double>(e->second);
    };
    sdown.add(count("+sdown"), l);
    odown.add(count("+odown"), l);
    const char* current = master_state(*m);
    for (const char* s : {"ok", "sdown", "odown", "failover"})
      state.add(std::string(s) == current ? 1 : 0, {{"master", name}, {"state", s}});
    odown_now.add(m->is(kODown) ? 1 : 0, l);
    replicas.add(static_cast<double>(m->replicas.size()), l);
    sentinels.add(static_cast<double>(m->sentinels.size()), l);
    quorum.add(m->quorum, l);
    reachable.add(check_quorum(*m).ok() ? 1 : 0, l);
    config_epoch.add(static_cast<double>(m->config_epoch), l);
    instance_samples(*m, name, "master");
    for (const auto& [k, r] : m->replicas) instance_samples(*r, name, "replica");
    for (const auto& [k, s] : m->sentinels) instance_samples(*s, name, "sentinel");
  }
  for (metrics::Family* f : {&started, &succeeded, &aborted, &won, &lost, &events, &sdown, &odown, &state, &odown_now,
                             &replicas, &sentinels, &quorum, &reachable, &config_epoch, &link_up, &ping_age})
    out.push_back(f->take());

  metrics::Family duration("sentinel_failover_duration_seconds",
                           "Time from ODOWN (or a forced start) to the end of each failover this sentinel led.",
                           MetricType::Histogram);
  failover_seconds_.add_to(duration);
  out.push_back(duration.take());

  out.push_back(metrics::Family("sentinel_current_epoch", "The sentinel's current epoch.", MetricType::Gauge)
                    .add(static_cast<double>(state_.current_epoch))
                    .take());
  out.push_back(metrics::Family("sentinel_tilt", "1 while the sentinel is in TILT mode.", MetricType::Gauge)
                    .add(state_.tilt ? 1 : 0)
                    .take());
  out.push_back(metrics::Family("sentinel_tilt_entered_total", "Times the sentinel entered TILT mode.", MetricType::Counter)
                    .add(static_cast<double>(tilt_entered_))
                    .take());
  out.push_back(metrics::Family("sentinel_masters", "Masters this sentinel monitors.", MetricType::Gauge)
                    .add(static_cast<double>(state_.masters.size()))
                    .take());
  out.push_back(metrics::Family("sentinel_config_rewrites_total", "Rewrites of the sentinel's config file.",
                                MetricType::Counter)
                    .add(static_cast<double>(config_rewrites_))
                    .take());
  out.push_back(metrics::Family("sentinel_config_rewrite_failures_total", "Failed rewrites of the config file.",
                                MetricType::Counter)
                    .add(static_cast<double>(config_rewrite_failures_))
                    .take());
  return out;
}

}  // namespace sentinel
