// RESP reply writer: appends encoded replies to an output buffer. RESP2 today; the protocol version is
// carried so RESP3 types (maps, doubles, nulls) can be added where the call sites already say what they
// mean (map_header, double_value, null).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace resp {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void simple(std::string_view s);            // +OK
  void error(std::string_view s);             // -ERR ... (s includes the code: "ERR ...", "WRONGTYPE ...")
  void integer(int64_t v);                    // :1
  void bulk(std::string_view s);              // $3\r\nfoo
  void null();                                // $-1
  void null_array();                          // *-1
  void array_header(size_t n);                // *n
  void map_header(size_t pairs);              // RESP2: *2n
  void double_value(double v);                // RESP2: bulk "%.17g"
  void ok() { raw("+OK\r\n"); }
  void raw(std::string_view bytes) { out_->append(bytes); }
  // A whole command in RESP form (for propagation to replicas and the AOF).
  template <typename Args>
  void command(const Args& args) {
    array_header(args.size());
    for (const auto& a : args) bulk(std::string_view(a));
  }

  std::string* buffer() { return out_; }
  int protocol() const { return protocol_; }
  void set_protocol(int version) { protocol_ = version; }

 private:
  void header(char type, int64_t n);
  std::string* out_;
  int protocol_ = 2;
};

}  // namespace resp
