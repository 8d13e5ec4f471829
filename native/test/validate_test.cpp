// The one validation (core/engine/validate.hpp): every rule names its field.
#include <algorithm>
#include <string>

#include "../core/engine/validate.hpp"
#include "check.hpp"

using namespace loradyn;

namespace {
RunConfig base() {
  RunConfig c;
  c.model.activation = Activation::parse("erf");
  c.model.teacher = Link{c.model.activation, false};
  c.model.d = 40;
  c.model.mu = {0.5};
  c.train.batch = 4;
  c.train.steps = 5;
  return c;
}
bool names(const std::vector<ConfigIssue>& v, const std::string& path) {
  return std::any_of(v.begin(), v.end(), [&](const ConfigIssue& i) { return i.path == path; });
}
}  // namespace

TEST_CASE("validate: a good config has no issues on every engine") {
  for (Engine e : {Engine::Full, Engine::Reduced, Engine::Ode})
    CHECK(run_issues(base(), e, BackendChoice::Cpu).empty());
}

TEST_CASE("validate: shared rules name their fields") {
  RunConfig c = base();
  c.model.rank = 41;
  CHECK(names(run_issues(c, Engine::Full, BackendChoice::Cpu), "model.rank"));
  c = base();
  c.model.mu = {0.5, 0.5};
  CHECK(names(run_issues(c, Engine::Full, BackendChoice::Cpu), "model.pretrained.mu"));
  c = base();
  c.model.init_u = {1e308 * 10};
  CHECK(names(run_issues(c, Engine::Full, BackendChoice::Cpu), "model.init.u"));
  c = base();
  c.train.eta = 0;
  c.record.points = 1;
  const auto two = run_issues(c, Engine::Full, BackendChoice::Cpu);
  CHECK(names(two, "train.eta") && names(two, "record.points"));  // every issue, not the first
  CHECK_THROWS_AS(validate_run(c, Engine::Full, BackendChoice::Cpu), ConfigInvalid);
}

TEST_CASE("validate: engine rules (reduced frame, record.final; ode given w0 and init.v)") {
  RunConfig c = base();
  c.model.d = 2;
  CHECK(names(run_issues(c, Engine::Reduced, BackendChoice::Cpu), "model.d"));
  CHECK(run_issues(c, Engine::Full, BackendChoice::Cpu).empty());
  c = base();
  c.record.final_state = true;
  CHECK(names(run_issues(c, Engine::Reduced, BackendChoice::Cpu), "record.final"));
  c = base();
  c.train.batch = int64_t{1} << 31;
  CHECK(names(run_issues(c, Engine::Reduced, BackendChoice::Cpu), "train.batch"));
  c = base();
  c.model.init_v.assign(40, 1.0);
  CHECK(names(run_issues(c, Engine::Ode, BackendChoice::Cpu), "model.init.v"));
  c = base();
  c.model.pretrained = Pretrained::Given;
  c.model.w0.assign(40, 0.1);
  CHECK(names(run_issues(c, Engine::Ode, BackendChoice::Cpu), "model.pretrained.kind"));
}

TEST_CASE("validate: CUDA kernel limits when backend cuda is asked for, in every build") {
  RunConfig c = base();
  c.model.d = 40000;
  CHECK(names(run_issues(c, Engine::Full, BackendChoice::Cuda), "model.d"));
  CHECK(run_issues(c, Engine::Full, BackendChoice::Auto).empty());
  CHECK(names(run_issues(base(), Engine::Ode, BackendChoice::Cuda), "backend"));
}
