// The users file in Redis' format ("user <name> <rules...>" per line), loaded all or nothing with
// Redis 7.0's error texts, and the lines ACL SAVE writes.
#include "common/acl/acl.h"
#include "common/util/strings.h"

namespace acl {
namespace {

std::string_view trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(chars);
  return s.substr(b, e - b + 1);
}

std::vector<std::string_view> split_on(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (true) {
    size_t j = s.find(sep, i);
    if (j == std::string_view::npos) {
      out.push_back(s.substr(i));
      return out;
    }
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
}

}  // namespace

std::vector<std::string> Registry::user_lines() const {
  std::vector<std::string> out;
  for (const auto& [name, u] : users_) out.push_back("user " + name + " " + describe_user(u, catalog_));
  return out;
}

std::string Registry::load_file_text(std::string_view text, std::string_view filename,
                                     std::vector<std::string>* dropped) {
  std::map<std::string, User, std::less<>> loaded;
  std::string errors;
  std::string file(filename);
  std::vector<std::string_view> lines = split_on(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string linenum = std::to_string(i + 1);
    std::string_view line = trim(lines[i], " \t\r\n");
    if (line.empty()) continue;
    std::vector<std::string_view> argv = split_on(line, ' ');
    if (argv[0] != "user" || argv.size() < 2) {
      errors += file + ":" + linenum + " should start with user keyword followed by the username. ";
      continue;
    }
    if (has_spaces(argv[1])) {
      errors += "'" + file + ":" + linenum + ": username '" + std::string(argv[1]) +
                "' contains invalid characters. ";
      continue;
    }
    if (loaded.contains(argv[1])) {
      errors += "WARNING: Duplicate user '" + std::string(argv[1]) + "' found on line " + linenum + ". ";
      continue;
    }
    User& u = loaded.emplace(std::string(argv[1]), make_user(argv[1], catalog_)).first->second;
    // Selectors spread over several words are merged first, as ACL SETUSER does.
    std::vector<std::string> merged;
    bool unmatched = false;
    std::string open;
    for (size_t j = 2; j < argv.size(); ++j) {
      std::string_view op = argv[j];
      if (open.empty() && !op.empty() && op[0] == '(' && op.back() != ')') {
        open = std::string(op);
        continue;
      }
      if (!open.empty()) {
        open += ' ';
        open += op;
        if (!op.empty() && op.back() == ')') merged.push_back(std::move(open)), open.clear();
        continue;
      }
      merged.emplace_back(op);
    }
    if (!open.empty()) {
      unmatched = true;
      errors += file + ":" + linenum + ": Unmatched parenthesis in selector definition.";
    }
    if (unmatched) continue;
    bool syntax_error = false;
    for (const std::string& raw : merged) {
      std::string op(trim(raw, "\t\r\n"));
      std::string err = apply_rule(u, op, catalog_);
      if (err.empty()) continue;
      if (err == "Unknown command or category name in ACL") {
        errors += file + ":" + linenum + ": Error in applying operation '" + op + "': " + err + ". ";
      } else if (!syntax_error) {
        errors += file + ":" + linenum + ": " + err + ". ";
        syntax_error = true;
      }
    }
  }
  if (!errors.empty())
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
  if (!loaded.contains("default")) loaded.emplace("default", make_default_user(catalog_));
  if (dropped) {
    for (const auto& [name, u] : users_)
      if (name != "default") dropped->push_back(name);
  }
  users_ = std::move(loaded);
  return "";
}

}  // namespace acl
