// sentinel::parse_info_fields: what the sentinel takes from INFO replies (real redis-server text), and
// what it refuses because it would end up in the state file (tests/fuzz/sentinel_info_fuzz.cpp checks
// the same on random input).
#include <gtest/gtest.h>

#include "sentinel/monitor/info_fields.h"

namespace {

using sentinel::InfoFields;
using sentinel::parse_info_fields;

TEST(SentinelInfoFields, MasterWithReplicas) {
  InfoFields f = parse_info_fields(
      "# Server\r\nredis_version:7.0.15\r\nrun_id:5ae7b883c83e6332c4e0eff5ea48c991591d21e5\r\n\r\n"
      "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
      "slave0:ip=127.0.0.1,port=23423,state=online,offset=150,lag=1\r\n"
      "slave1:ip=localhost,port=23422,state=online,offset=150,lag=0\r\nmaster_failover_state:no-failover\r\n");
  EXPECT_EQ(f.run_id, "5ae7b883c83e6332c4e0eff5ea48c991591d21e5");
  EXPECT_EQ(f.role, InfoFields::Role::kMaster);
  ASSERT_EQ(f.replicas.size(), 2u);
  EXPECT_EQ(f.replicas[0], (InfoFields::ReplicaAddr{"127.0.0.1", 23423}));
  EXPECT_EQ(f.replicas[1], (InfoFields::ReplicaAddr{"localhost", 23422}));
  EXPECT_FALSE(f.master_host.has_value());
}

TEST(SentinelInfoFields, ReplicaWithLinkDown) {
  InfoFields f = parse_info_fields(
      "role:slave\nmaster_host:127.0.0.1\nmaster_port:23421\nmaster_link_status:down\n"
      "master_link_down_since_seconds:3\nslave_repl_offset:150\nslave_priority:50\nreplica_announced:0\n");
  EXPECT_EQ(f.role, InfoFields::Role::kReplica);
  EXPECT_EQ(f.master_host, "127.0.0.1");
  EXPECT_EQ(f.master_port, 23421);
  EXPECT_EQ(f.master_link_up, false);
  EXPECT_EQ(f.master_link_down_ms, 3000);
  EXPECT_EQ(f.slave_repl_offset, 150);
  EXPECT_EQ(f.replica_priority, 50);
  EXPECT_EQ(f.replica_announced, false);
}

TEST(SentinelInfoFields, RefusesWhatTheStateFileCannotHold) {
  InfoFields f = parse_info_fields(
      "role:master\r\nslave0:ip=\xff\xfe,port=6380\r\nslave1:ip=10.0.0.1,port=70000\r\n"
      "slave2:ip=a\"b,port=1\r\nslave3:ip=10.0.0.2,port=6381\r\nrun_id:zz\r\n"
      "run_id:0123456789abcdef0123456789abcdef0123456g\r\n");
  ASSERT_EQ(f.replicas.size(), 1u);
  EXPECT_EQ(f.replicas[0], (InfoFields::ReplicaAddr{"10.0.0.2", 6381}));
  EXPECT_EQ(f.run_id, "");
}

TEST(SentinelInfoFields, HugeNumbersDoNotOverflow) {
  InfoFields f = parse_info_fields(
      "master_link_down_since_seconds:9223372036854775807\nslave_priority:4294967296\nmaster_port:-99999999999\n");
  EXPECT_EQ(f.master_link_down_ms, INT64_MAX / 1000 * 1000);
  EXPECT_EQ(f.replica_priority, INT32_MAX);
  EXPECT_EQ(f.master_port, INT32_MIN);
}

}  // namespace
