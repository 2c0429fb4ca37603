// SPDX-License-Identifier: GPL-2.0-only
// CPU sets written relative to the machine, so that one policy fits any
// host. Pure: resolved against a Machine.
//
//   "all"                  every online CPU
//   "first half"           the first half of the online CPUs (rounded down,
//   "last half"            at least one); "last half" is the rest
//   "25%-75%"              online CPUs by position: from 25% up to 75%
//   "first 25%", "last 25%"
//   "all but 2"            all but the last 2 online CPUs (at least one)
//   "node0", "node0,node1" the online CPUs of those NUMA nodes
//
// Positions count online CPUs in order, so "first half" of CPUs {0,1,4,5}
// is {0,1}. A percentage range takes the CPUs whose position p satisfies
// floor(n*lo) <= p < floor(n*hi), and at least one; so adjacent ranges
// ("0%-50%", "50%-100%") together cover every CPU, and never overlap
// unless one of them was too small to hold a CPU and was given one.
// Sets are resolved when the policy is loaded (at start and each reload);
// CPUs that go offline later are handled as for any set.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "policy/machine.h"
#include "util/result.h"

namespace llm::policy {

struct Policy;
class Diagnostics;

// Whether `text` uses one of the relative forms (rather than "0-5,8").
[[nodiscard]] bool is_relative_cpu_text(std::string_view text);

// The CPUs `text` names on `m`; an error that says what is wrong and how
// to write it otherwise.
[[nodiscard]] util::Result<std::set<unsigned>> resolve_cpu_text(std::string_view text, const Machine& m);

// Resolves every relative CPU set the parser left in `p` (ClassSpec's
// cpu_text) into its set, with an error at its path for each that does not
// resolve. The compiler notes what each became, for --check and status.
void resolve_relative_cpus(Policy& p, const Machine& m, Diagnostics& d);

// The order a class with a CPU range grows in: the CPUs of `allowed` that
// share the anchor's last-level cache, then the rest of its NUMA node, then
// the other nodes' CPUs, each group in CPU order; the anchor is the first
// CPU of `start` (or of `allowed`). It shrinks in the reverse order.
[[nodiscard]] std::vector<unsigned> growth_order(const Machine& m, const std::set<unsigned>& allowed,
                                                 const std::set<unsigned>& start = {});
// The CPUs a class with a range may take: the online ones no other
// exclusive class holds now.
[[nodiscard]] std::set<unsigned> range_pool(const Policy& p, size_t class_index, const Machine& m);

}  // namespace llm::policy
