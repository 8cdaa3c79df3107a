#include "datanode/cluster/bus_codec.h"

#include <cstring>

namespace cluster {
namespace {

// Header field offsets (Redis cluster.h clusterMsg).
constexpr size_t kOffTotlen = 4, kOffVer = 8, kOffPort = 10, kOffType = 12, kOffCount = 14, kOffCurEpoch = 16,
                 kOffCfgEpoch = 24, kOffOffset = 32, kOffSender = 40, kOffSlots = 80, kOffSlaveof = 2128,
                 kOffMyip = 2168, kOffExtensions = 2214, kOffPport = 2246, kOffCport = 2248, kOffFlags = 2250,
                 kOffState = 2252, kOffMflags = 2253;
constexpr size_t kIpLen = 46;
constexpr uint16_t kExtHostname = 0;

void put16(std::string& b, size_t off, uint16_t v) {
  b[off] = static_cast<char>(v >> 8);
  b[off + 1] = static_cast<char>(v & 0xff);
}
void put32(std::string& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
}
void put64(std::string& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + static_cast<size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
}
void put_bytes(std::string& b, size_t off, std::string_view s, size_t max) {
  std::memcpy(&b[off], s.data(), std::min(s.size(), max));
}
uint16_t get16(std::string_view b, size_t off) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[off]) << 8) | static_cast<uint8_t>(b[off + 1]));
}
uint32_t get32(std::string_view b, size_t off) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[off + i]);
  return v;
}
uint64_t get64(std::string_view b, size_t off) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[off + i]);
  return v;
}
// A NUL-padded fixed field as a string (up to the first NUL).
std::string get_cstr(std::string_view b, size_t off, size_t len) {
  std::string_view f = b.substr(off, len);
  size_t nul = f.find('\0');
  return std::string(nul == std::string_view::npos ? f : f.substr(0, nul));
}
bool all_zero(std::string_view b, size_t off, size_t len) {
  for (size_t i = 0; i < len; ++i)
    if (b[off + i] != 0) return false;
  return true;
}

}  // namespace

const char* msg_type_name(uint16_t type) {
  static const char* kNames[] = {"ping",     "pong",   "meet",    "fail",   "publish",     "auth-req",
                                 "auth-ack", "update", "mfstart", "module", "publishshard"};
  return type < 11 ? kNames[type] : "unknown";
}

std::string encode(const Message& m) {
  std::string b(kHeaderLen, '\0');
  b[0] = 'R', b[1] = 'C', b[2] = 'm', b[3] = 'b';
  put16(b, kOffVer, 1);
  put16(b, kOffPort, m.port);
  put16(b, kOffType, m.type);
  put64(b, kOffCurEpoch, m.current_epoch);
  put64(b, kOffCfgEpoch, m.config_epoch);
  put64(b, kOffOffset, m.offset);
  put_bytes(b, kOffSender, m.sender, 40);
  std::memcpy(&b[kOffSlots], m.myslots.data(), m.myslots.size());
  put_bytes(b, kOffSlaveof, m.slaveof, 40);
  put_bytes(b, kOffMyip, m.myip, kIpLen - 1);
  put16(b, kOffPport, m.pport);
  put16(b, kOffCport, m.cport);
  put16(b, kOffFlags, m.flags);
  b[kOffState] = static_cast<char>(m.state);
  uint8_t mflags = m.mflags;
  if (m.type == kMsgPing || m.type == kMsgPong || m.type == kMsgMeet) {
    put16(b, kOffCount, static_cast<uint16_t>(m.gossip.size()));
    for (const GossipEntry& g : m.gossip) {
      std::string e(kGossipLen, '\0');
      put_bytes(e, 0, g.id, 40);
      put32(e, 40, g.ping_sent);
      put32(e, 44, g.pong_received);
      put_bytes(e, 48, g.ip, kIpLen - 1);
      put16(e, 94, g.port);
      put16(e, 96, g.cport);
      put16(e, 98, g.flags);
      put16(e, 100, g.pport);
      b += e;
    }
    if (!m.hostname.empty()) {
      size_t payload = (m.hostname.size() + 1 + 7) & ~size_t{7};
      std::string ext(8 + payload, '\0');
      put32(ext, 0, static_cast<uint32_t>(ext.size()));
      put16(ext, 4, kExtHostname);
      put_bytes(ext, 8, m.hostname, payload - 1);
      b += ext;
      put16(b, kOffExtensions, 1);
      mflags |= kMFlagExtData;
    }
  } else if (m.type == kMsgFail) {
    std::string body(40, '\0');
    put_bytes(body, 0, m.about, 40);
    b += body;
  } else if (m.type == kMsgUpdate) {
    std::string body(8 + 40 + m.update_slots.size(), '\0');
    put64(body, 0, m.update_epoch);
    put_bytes(body, 8, m.about, 40);
    std::memcpy(&body[48], m.update_slots.data(), m.update_slots.size());
    b += body;
  } else if (m.type == kMsgPublish || m.type == kMsgPublishShard) {
    std::string head(8, '\0');
    put32(head, 0, static_cast<uint32_t>(m.channel.size()));
    put32(head, 4, static_cast<uint32_t>(m.payload.size()));
    b += head;
    b += m.channel;
    b += m.payload;
  }
  b[kOffMflags] = static_cast<char>(mflags);
  put32(b, kOffTotlen, static_cast<uint32_t>(b.size()));
  return b;
}

int64_t frame_length(std::string_view buf) {
  if (buf.size() < 8) return 0;
  if (buf.substr(0, 4) != "RCmb") return -1;
  uint32_t len = get32(buf, kOffTotlen);
  if (len < kHeaderLen || len > kMaxMessageLen) return -1;
  return len;
}

std::optional<Message> decode(std::string_view b, std::string* why) {
  why->clear();
  if (b.size() < kHeaderLen || b.substr(0, 4) != "RCmb") {
    *why = "short or unsigned frame";
    return std::nullopt;
  }
  size_t totlen = get32(b, kOffTotlen);
  if (totlen != b.size()) {
    *why = "length field " + std::to_string(totlen) + " does not match the frame (" +
           std::to_string(b.size()) + ")";
    return std::nullopt;
  }
  if (get16(b, kOffVer) != 1) return std::nullopt;  // another protocol version: ignored silently
  Message m;
  m.type = get16(b, kOffType);
  m.port = get16(b, kOffPort);
  m.current_epoch = get64(b, kOffCurEpoch);
  m.config_epoch = get64(b, kOffCfgEpoch);
  m.offset = get64(b, kOffOffset);
  m.sender = std::string(b.substr(kOffSender, 40));
  std::memcpy(m.myslots.data(), b.data() + kOffSlots, m.myslots.size());
  if (!all_zero(b, kOffSlaveof, 40)) m.slaveof = std::string(b.substr(kOffSlaveof, 40));
  m.myip = get_cstr(b, kOffMyip, kIpLen);
  m.pport = get16(b, kOffPport);
  m.cport = get16(b, kOffCport);
  m.flags = get16(b, kOffFlags);
  m.state = static_cast<uint8_t>(b[kOffState]);
  m.mflags = static_cast<uint8_t>(b[kOffMflags]);
  std::string_view body = b.substr(kHeaderLen);
  auto wrong_length = [&](size_t expected) {
    *why = std::string("wrong length for a ") + msg_type_name(m.type) +
           " message: " + std::to_string(totlen) + " (expected " + std::to_string(expected) + ")";
    return std::nullopt;
  };
  switch (m.type) {
    case kMsgPing:
    case kMsgPong:
    case kMsgMeet: {
      size_t count = get16(b, kOffCount);
      size_t explen = kHeaderLen + count * kGossipLen;
      if (b.size() < explen) return wrong_length(explen);
      for (size_t i = 0; i < count; ++i) {
        std::string_view e = body.substr(i * kGossipLen, kGossipLen);
        GossipEntry g;
        g.id = std::string(e.substr(0, 40));
        g.ping_sent = get32(e, 40);
        g.pong_received = get32(e, 44);
        g.ip = get_cstr(e, 48, kIpLen);
        g.port = get16(e, 94);
        g.cport = get16(e, 96);
        g.flags = get16(e, 98);
        g.pport = get16(e, 100);
        m.gossip.push_back(std::move(g));
      }
      size_t extensions = (m.mflags & kMFlagExtData) ? get16(b, kOffExtensions) : 0;
      size_t pos = explen;
      for (size_t i = 0; i < extensions; ++i) {
        if (b.size() - pos < 8) return wrong_length(pos + 8);
        size_t len = get32(b, pos);
        uint16_t type = get16(b, pos + 4);
        if (len < 8 || len > b.size() - pos) {
          *why = "ping extension length " + std::to_string(len) + " out of bounds";
          return std::nullopt;
        }
        if (type == kExtHostname) m.hostname = get_cstr(b, pos + 8, len - 8);
        pos += len;
      }
      if (pos != b.size()) return wrong_length(pos);
      break;
    }
    case kMsgFail:
      if (b.size() != kHeaderLen + 40) return wrong_length(kHeaderLen + 40);
      m.about = std::string(body.substr(0, 40));
      break;
    case kMsgUpdate:
      if (b.size() != kHeaderLen + 48 + m.update_slots.size()) return wrong_length(kHeaderLen + 48 + 2048);
      m.update_epoch = get64(body, 0);
      m.about = std::string(body.substr(8, 40));
      std::memcpy(m.update_slots.data(), body.data() + 48, m.update_slots.size());
      break;
    case kMsgPublish:
    case kMsgPublishShard: {
      if (body.size() < 8) return wrong_length(kHeaderLen + 8);
      size_t clen = get32(body, 0), plen = get32(body, 4);
      if (clen > body.size() - 8 || plen != body.size() - 8 - clen)
        return wrong_length(kHeaderLen + 8 + clen + plen);
      m.channel = std::string(body.substr(8, clen));
      m.payload = std::string(body.substr(8 + clen));
      break;
    }
    case kMsgAuthRequest:
    case kMsgAuthAck:
    case kMsgMfStart:
      if (b.size() != kHeaderLen) return wrong_length(kHeaderLen);
      break;
    case kMsgModule: {
      if (body.size() < 13) return wrong_length(kHeaderLen + 13);
      size_t len = get32(body, 8);
      if (len != body.size() - 13) return wrong_length(kHeaderLen + 13 + len);
      break;
    }
    default: break;  // unknown types are well formed; the caller logs them
  }
  return m;
}

}  // namespace cluster
