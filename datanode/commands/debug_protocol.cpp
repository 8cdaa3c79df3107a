#include "datanode/commands/debug_protocol.h"

#include "common/util/strings.h"

namespace datanode {

void debug_protocol(Context& ctx) {
  resp::Writer& out = ctx.out;
  std::string_view name = ctx.arg(2);
  auto is = [&](std::string_view n) { return util::iequals(name, n); };
  if (is("string")) {
    out.bulk("Hello World");
  } else if (is("integer")) {
    out.integer(12345);
  } else if (is("double")) {
    out.double_value(3.141);
  } else if (is("bignum")) {
    out.big_number("1234567999999999999999999999999999999");
  } else if (is("null")) {
    out.null();
  } else if (is("array") || is("set")) {
    if (is("set"))
      out.set_header(3);
    else
      out.array_header(3);
    for (int j = 0; j < 3; ++j) out.integer(j);
  } else if (is("map")) {
    out.map_header(3);
    for (int j = 0; j < 3; ++j) {
      out.integer(j);
      out.boolean(j == 1);
    }
  } else if (is("attrib")) {
    if (out.protocol() >= 3) {
      out.attribute_header(1);
      out.bulk("key-popularity");
      out.array_header(2);
      out.bulk("key:123");
      out.integer(90);
    }
    out.bulk("Some real reply following the attribute");
  } else if (is("push")) {
    if (out.protocol() < 3) return out.error("ERR RESP2 is not supported by this command");
    out.push_header(2);
    out.bulk("server-cpu-usage");
    out.integer(42);
    // A push is out of band: a real reply follows so that a client waiting for one gets it.
    out.bulk("Some real reply following the push reply");
  } else if (is("true") || is("false")) {
    out.boolean(is("true"));
  } else if (is("verbatim")) {
    out.verbatim("This is a verbatim\nstring");
  } else {
    out.error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

}  // namespace datanode
