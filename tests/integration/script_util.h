// Command scripts for reference::differences written as text: one command per line, arguments split on
// spaces ("\x00"-style escapes are not needed by the scripts that use it).
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace scriptutil {

inline std::vector<std::vector<std::string>> script(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> cmd;
    std::string w;
    while (words >> w) cmd.push_back(w);
    if (!cmd.empty()) out.push_back(cmd);
  }
  return out;
}

}  // namespace scriptutil
