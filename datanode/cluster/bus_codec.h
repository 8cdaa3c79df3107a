// The cluster bus wire format of Redis 7.0 (protocol version 1): a 2256-byte header with fixed offsets,
// big-endian integers, then a body per message type. decode() checks every length before reading, so
// hostile bytes are refused with a reason, never read out of bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datanode/cluster/slots.h"

namespace cluster {

enum MsgType : uint16_t {
  kMsgPing = 0,
  kMsgPong = 1,
  kMsgMeet = 2,
  kMsgFail = 3,
  kMsgPublish = 4,
  kMsgAuthRequest = 5,
  kMsgAuthAck = 6,
  kMsgUpdate = 7,
  kMsgMfStart = 8,
  kMsgModule = 9,
  kMsgPublishShard = 10,
};
const char* msg_type_name(uint16_t type);

constexpr size_t kHeaderLen = 2256;
constexpr size_t kGossipLen = 104;
constexpr size_t kMaxMessageLen = 64u << 20;  // PUBLISH bodies can be large; anything beyond is hostile
constexpr uint8_t kMFlagPaused = 1, kMFlagForceAck = 2, kMFlagExtData = 4;

struct GossipEntry {
  std::string id;
  uint32_t ping_sent = 0, pong_received = 0;  // seconds
  std::string ip;
  uint16_t port = 0, cport = 0, flags = 0, pport = 0;
};

struct Message {
  uint16_t type = kMsgPing;
  uint16_t port = 0, pport = 0, cport = 0, flags = 0;
  uint8_t state = 0;
  uint8_t mflags = 0;
  uint64_t current_epoch = 0, config_epoch = 0, offset = 0;
  std::string sender;  // 40 characters
  SlotBitmap myslots{};
  std::string slaveof;  // empty: the sender is a master
  std::string myip;     // empty: use the peer address
  std::vector<GossipEntry> gossip;
  std::string hostname;  // ping extension 0
  // FAIL and UPDATE: the node the message is about; UPDATE: its epoch and slots.
  std::string about;
  uint64_t update_epoch = 0;
  SlotBitmap update_slots{};
  // PUBLISH
  std::string channel, payload;
};

std::string encode(const Message& m);

// From the first 8 bytes of a frame: its total length, 0 when fewer than 8 bytes are there, or -1 when
// the signature or length is wrong (the link is then closed, as Redis does).
int64_t frame_length(std::string_view buf);
// Decodes one complete frame. nullopt with *why set when it is malformed; a frame of another protocol
// version also gives nullopt with *why empty (dropped silently, as Redis does).
std::optional<Message> decode(std::string_view frame, std::string* why);

}  // namespace cluster
