// SPDX-License-Identifier: GPL-2.0-only
// Percentiles from the BPF log2 latency histogram. Pure.
#pragma once

#include <cstdint>

#include "llm_schedd/intf.h"

namespace llm::sched {

// Upper bound (ns) of the bucket holding quantile q (0..1); 0 if empty.
// Bucket b holds [2^b, 2^(b+1)), so the answer is within 2x of the truth.
uint64_t latency_quantile_ns(const __u64 (&hist)[LLM_LAT_BUCKETS], double q);

}  // namespace llm::sched
