// SPDX-License-Identifier: GPL-2.0-only
// JSON text -> Policy. Structural checks only (types, ranges, unknown keys);
// checks against the machine live in validate.h.
#pragma once

#include <optional>
#include <string>

#include "policy/diagnostics.h"
#include "policy/policy.h"

namespace llm::policy {

// Parses and checks a policy document. On any error returns nullopt and
// fills diags with every problem found (not just the first).
std::optional<Policy> parse_policy(const std::string& json_text, Diagnostics& diags);

// Levenshtein distance, for did-you-mean hints.
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace llm::policy
