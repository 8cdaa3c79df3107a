// RESP reply writer: appends encoded replies to an output buffer. Call sites say what a reply means
// (map_header, set_header, double_value, boolean, null, push_header, verbatim ...) and the writer encodes
// it for the connection's protocol: RESP2 folds maps and sets into arrays, doubles into bulk strings,
// booleans into integers; RESP3 (HELLO 3) uses its own types, as Redis 7 does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace resp {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void simple(std::string_view s);           // +OK
  void error(std::string_view s);            // -ERR ... (s includes the code: "ERR ...", "WRONGTYPE ...")
  void integer(int64_t v);                   // :1
  void bulk(std::string_view s);             // $3\r\nfoo
  void null();                               // RESP2 $-1, RESP3 _
  void null_array();                         // RESP2 *-1, RESP3 _
  void array_header(size_t n);               // *n
  void map_header(size_t pairs);             // RESP2 *2n, RESP3 %n
  void set_header(size_t n);                 // RESP2 *n, RESP3 ~n
  void push_header(size_t n);                // RESP2 *n, RESP3 >n (pub/sub messages, invalidations)
  void attribute_header(size_t pairs);       // RESP3 |n (nothing in RESP2: callers skip the attribute)
  void double_value(double v);               // RESP2 bulk "%.17g", RESP3 ,%.17g (inf, -inf, nan)
  void boolean(bool v);                      // RESP2 :1 / :0, RESP3 #t / #f
  void big_number(std::string_view digits);  // RESP2 bulk, RESP3 (digits
  void verbatim(std::string_view s, std::string_view format = "txt");  // RESP2 bulk, RESP3 =len fmt:s
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
