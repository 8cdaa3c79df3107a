// The values a key can hold. Strings are stored inline; aggregates behind a pointer so an entry of the
// keyspace stays small whatever the type.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "datanode/store/hash.h"
#include "datanode/store/list.h"
#include "datanode/store/set.h"
#include "datanode/store/zset.h"
#include "datanode/types/stream.h"

namespace store {

enum class Type : uint8_t { kString = 0, kList = 1, kHash = 2, kSet = 3, kZSet = 4, kStream = 5 };

const char* type_name(Type t);  // "string", "list", "hash", "set", "zset", "stream"

class Value {
 public:
  Value() : data_(std::string()) {}
  explicit Value(std::string s) : data_(std::move(s)) {}
  static Value make(Type t);

  Type type() const { return static_cast<Type>(data_.index()); }

  std::string& str() { return std::get<std::string>(data_); }
  const std::string& str() const { return std::get<std::string>(data_); }
  List& list() { return *std::get<std::unique_ptr<List>>(data_); }
  const List& list() const { return *std::get<std::unique_ptr<List>>(data_); }
  Hash& hash() { return *std::get<std::unique_ptr<Hash>>(data_); }
  const Hash& hash() const { return *std::get<std::unique_ptr<Hash>>(data_); }
  Set& set() { return *std::get<std::unique_ptr<Set>>(data_); }
  const Set& set() const { return *std::get<std::unique_ptr<Set>>(data_); }
  ZSet& zset() { return *std::get<std::unique_ptr<ZSet>>(data_); }
  const ZSet& zset() const { return *std::get<std::unique_ptr<ZSet>>(data_); }
  stream::Stream& stream() { return *std::get<std::unique_ptr<stream::Stream>>(data_); }
  const stream::Stream& stream() const { return *std::get<std::unique_ptr<stream::Stream>>(data_); }

  // Number of elements of an aggregate (1 for strings): empty aggregates are deleted by the caller.
  size_t length() const;
  Value clone() const;

 private:
  std::variant<std::string, std::unique_ptr<List>, std::unique_ptr<Hash>, std::unique_ptr<Set>,
               std::unique_ptr<ZSet>, std::unique_ptr<stream::Stream>>
      data_;
};

}  // namespace store
