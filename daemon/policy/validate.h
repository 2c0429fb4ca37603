// SPDX-License-Identifier: GPL-2.0-only
// Checks of a parsed policy against the machine it is to run on.
#pragma once

#include "policy/diagnostics.h"
#include "policy/machine.h"
#include "policy/policy.h"

namespace llm::policy {

// Adds every problem to diags; returns diags.ok().
bool validate(const Policy& p, const Machine& m, Diagnostics& diags);
// Resolves the CPU sets written relative to the machine (policy/cpu_spec.h),
// then validates: what every loader of a policy file calls.
bool resolve_and_validate(Policy& p, const Machine& m, Diagnostics& diags);

}  // namespace llm::policy
