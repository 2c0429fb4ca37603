// SPDX-License-Identifier: GPL-2.0-only
// Parsers for the human-friendly values operators write in a policy.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "util/result.h"

namespace llm::policy {

// "16G", "512M", "2048k", "1T", "4096" (bytes). Binary units (G = 2^30).
std::optional<uint64_t> parse_size(std::string_view text);
// Whether `text` is written as a size but is more than 2^64 bytes.
bool size_too_large(std::string_view text);

// "0-5,8,10-11" -> {0..5, 8, 10, 11}. Empty string is an empty set.
// Sets *error to a description on failure.
[[nodiscard]] util::Result<std::set<unsigned>> parse_cpu_list(std::string_view text);

// Canonical "0-5,8" form of a set.
std::string format_cpu_list(const std::set<unsigned>& cpus);

// "200ms", "1.5s", "500us", "3000" (in default_unit). Returns nanoseconds;
// UINT64_MAX for a well-formed duration beyond 1e18 ns.
std::optional<uint64_t> parse_duration_ns(std::string_view text, uint64_t default_unit_ns);

// Human form of a byte count: "16G", "512M", "1536K", "100".
std::string format_size(uint64_t bytes);

}  // namespace llm::policy
