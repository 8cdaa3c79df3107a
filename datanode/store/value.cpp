#include "datanode/store/value.h"

namespace store {

const char* type_name(Type t) {
  switch (t) {
    case Type::kString: return "string";
    case Type::kList: return "list";
    case Type::kHash: return "hash";
    case Type::kSet: return "set";
    case Type::kZSet: return "zset";
    case Type::kStream: return "stream";
  }
  return "none";
}

Value Value::make(Type t) {
  Value v;
  switch (t) {
    case Type::kString: break;
    case Type::kList: v.data_ = std::make_unique<List>(); break;
    case Type::kHash: v.data_ = std::make_unique<Hash>(); break;
    case Type::kSet: v.data_ = std::make_unique<Set>(); break;
    case Type::kZSet: v.data_ = std::make_unique<ZSet>(); break;
    case Type::kStream: v.data_ = std::make_unique<stream::Stream>(); break;
  }
  return v;
}

size_t Value::length() const {
  switch (type()) {
    case Type::kString: return 1;
    case Type::kList: return list().size();
    case Type::kHash: return hash().size();
    case Type::kSet: return set().size();
    case Type::kZSet: return zset().size();
    case Type::kStream: return stream().length;
  }
  return 0;
}

Value Value::clone() const {
  Value v;
  switch (type()) {
    case Type::kString: v.data_ = str(); break;
    case Type::kList: v.data_ = std::make_unique<List>(list()); break;
    case Type::kHash: v.data_ = std::make_unique<Hash>(hash()); break;
    case Type::kSet: v.data_ = std::make_unique<Set>(set()); break;
    case Type::kZSet: v.data_ = std::make_unique<ZSet>(zset()); break;
    case Type::kStream: v.data_ = std::make_unique<stream::Stream>(stream().clone()); break;
  }
  return v;
}

}  // namespace store
