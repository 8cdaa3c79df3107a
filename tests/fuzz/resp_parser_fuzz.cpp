// libFuzzer target for resp::RequestParser and resp::split_inline_args.
// The input (after two control bytes; the parity of their XOR: parse as an unauthenticated client) is fed to
// the parser in up to three chunks, each chunk appended to a growing buffer that is copied to a fresh
// allocation before every parse() call (the server's buffer may move when it grows, so the parser must keep
// offsets, never pointers, across calls; ASan catches a stale view). Requests are consumed like the server
// does (drop consumed() after kCommand, stop on kError), and the result must equal a one-shot parse of the
// whole input: resumability must not change what the server runs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/resp/parser.h"

namespace {

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  bool error = false;
  std::string error_text;
  size_t leftover = 0;  // bytes still buffered at the end (an incomplete request)
};

// Parses everything parse-able in *in, dropping consumed bytes. Returns false after a protocol error.
bool drain(resp::RequestParser& parser, std::string* in, Outcome* out) {
  while (!in->empty()) {
    // A fresh, exactly sized copy: reads past the end or through views from an earlier call trip ASan.
    const size_t size = in->size();
    std::unique_ptr<char[]> copy(new char[size]);
    std::memcpy(copy.get(), in->data(), size);
    std::string_view buf(copy.get(), size);
    auto status = parser.parse(buf);
    if (status == resp::RequestParser::Status::kNeedMore) return true;
    if (status == resp::RequestParser::Status::kError) {
      FUZZ_CHECK(!parser.error().empty());
      out->error = true;
      out->error_text = parser.error();
      return false;
    }
    const size_t consumed = parser.consumed();
    FUZZ_CHECK(consumed > 0);  // else the server would loop forever on the same bytes
    FUZZ_CHECK(consumed <= size);
    const bool multibulk = buf[0] == '*';
    std::vector<std::string> args;
    for (std::string_view a : parser.args()) {
      if (multibulk) {
        // Zero-copy arguments: views inside the request's own bytes.
        FUZZ_CHECK(a.data() >= buf.data());
        FUZZ_CHECK(a.data() + a.size() <= buf.data() + consumed);
      } else {
        FUZZ_CHECK(a.size() < consumed);
      }
      args.emplace_back(a);
    }
    if (!multibulk) FUZZ_CHECK(buf[consumed - 1] == '\n');
    out->commands.push_back(std::move(args));
    in->erase(0, consumed);
  }
  return true;
}

Outcome parse_in_chunks(const std::vector<std::string_view>& chunks, bool unauthenticated) {
  resp::RequestParser parser;
  parser.set_unauthenticated(unauthenticated);
  Outcome out;
  std::string in;
  for (std::string_view chunk : chunks) {
    in.append(chunk);
    if (!drain(parser, &in, &out)) return out;
  }
  out.leftover = in.size();
  return out;
}

void check_inline_split(std::string_view line) {
  std::vector<std::string> args;
  if (!resp::split_inline_args(line, &args)) return;
  size_t total = 0;
  for (const std::string& a : args) total += a.size();
  FUZZ_CHECK(total <= line.size());  // escapes only ever shrink the text
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view payload(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t a = data[0] % (payload.size() + 1);
  size_t b = data[1] % (payload.size() + 1);
  if (a > b) std::swap(a, b);

  // Half the inputs as a client that has not authenticated yet (Redis' 10 arguments of 16 KB at most).
  const bool unauthenticated = ((data[0] ^ data[1]) & 1) != 0;
  Outcome whole = parse_in_chunks({payload}, unauthenticated);
  Outcome chunked =
      parse_in_chunks({payload.substr(0, a), payload.substr(a, b - a), payload.substr(b)}, unauthenticated);
  FUZZ_CHECK(whole.commands == chunked.commands);
  FUZZ_CHECK(whole.error == chunked.error);
  FUZZ_CHECK(whole.error_text == chunked.error_text);
  FUZZ_CHECK(whole.leftover == chunked.leftover);

  check_inline_split(payload);
  return 0;
}
