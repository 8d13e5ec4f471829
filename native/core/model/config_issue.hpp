// A rule a run description breaks: the dotted path of the field and what is wrong with it.
// Validation collects every issue it finds (engine/validate.hpp) and throws them together, so
// the caller names each field once and no layer has to parse a message back into a path.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace loradyn {

struct ConfigIssue {
  std::string path;     // "model.d", "train.batch", "" for the config as a whole
  std::string message;  // "must be in [1, model.d = 5] (got 6)"
};

// A config that cannot run. what() joins the issues as "path: message; ...".
class ConfigInvalid : public std::invalid_argument {
 public:
  explicit ConfigInvalid(std::vector<ConfigIssue> issues)
      : std::invalid_argument(join(issues)), issues_(std::move(issues)) {}
  ConfigInvalid(std::string path, std::string message)
      : ConfigInvalid(std::vector<ConfigIssue>{ConfigIssue{std::move(path), std::move(message)}}) {}
  const std::vector<ConfigIssue>& issues() const { return issues_; }

 private:
  static std::string join(const std::vector<ConfigIssue>& issues) {
    std::string s;
    for (const ConfigIssue& i : issues) {
      if (!s.empty()) s += "; ";
      s += i.path.empty() ? i.message : i.path + ": " + i.message;
    }
    return s.empty() ? "invalid config" : s;
  }
  std::vector<ConfigIssue> issues_;
};

}  // namespace loradyn
