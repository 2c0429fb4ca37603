// SPDX-License-Identifier: GPL-2.0-only
// What `llm-schedd --check` prints for a valid policy: the compiled plan
// (classes in priority order with their slices and CPU sets, memory knobs,
// mounts, cgroups, rules) in a stable form, so golden tests can compare it.
// Pure: it reads the compiled table, not the system.
#pragma once

#include <string>

#include "policy/compiler.h"
#include "policy/policy.h"

namespace llm::report {

[[nodiscard]] std::string describe_plan(const policy::Policy& p, const policy::CompiledPolicy& compiled);

}  // namespace llm::report
