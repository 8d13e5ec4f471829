#include "validate.hpp"

#include "../ode/ode_engine.hpp"
#include "../reduced/reduced_state.hpp"
#include "cuda_limits.hpp"

namespace loradyn {

const char* backend_choice_name(BackendChoice b) {
  switch (b) {
    case BackendChoice::Cpu:
      return "cpu";
    case BackendChoice::Cuda:
      return "cuda";
    case BackendChoice::Auto:
      return "auto";
  }
  return "?";
}

std::vector<ConfigIssue> run_issues(const RunConfig& cfg, Engine engine, BackendChoice backend) {
  std::vector<ConfigIssue> out;
  model_issues(cfg, out);
  if (!out.empty()) return out;
  if (engine == Engine::Reduced) reduced_issues(cfg, out);
  if (engine == Engine::Ode) ode_issues(cfg, out);
  if (backend == BackendChoice::Cuda) cuda_issues(engine_name(engine), cfg, out);
  return out;
}

void validate_run(const RunConfig& cfg, Engine engine, BackendChoice backend) {
  std::vector<ConfigIssue> issues = run_issues(cfg, engine, backend);
  if (!issues.empty()) throw ConfigInvalid(std::move(issues));
}

}  // namespace loradyn
