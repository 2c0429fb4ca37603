// SPDX-License-Identifier: GPL-2.0-only
// The kernel's pressure stall information (Documentation/accounting/psi.rst)
// as the memory protector reads and arms it: the "some" line of a
// cgroup's memory.pressure, and the trigger that makes poll() wake when
// stalls pass a target, so nothing polls while all is calm. Pure.
#pragma once

#include <cstdint>
#include <string>

#include "util/result.h"

namespace llm::plan {

struct PsiSome {
    double avg10 = 0;    // percent of wall time, last 10 s
    uint64_t total_us = 0;
};

// Reads the "some" line of a pressure file:
//   some avg10=1.23 avg60=0.40 avg300=0.09 total=123456
//   full avg10=...
[[nodiscard]] util::Result<PsiSome> parse_psi_some(const std::string& text);

// The trigger to write into the pressure file for a target in percent:
// "some <stall us> <window us>", waking when the stall within one window
// passes the target share of it. Windows run 500 ms to 10 s; the kernel
// rounds the stall to its own tracking.
[[nodiscard]] std::string psi_trigger(double percent, uint64_t window_us);

}  // namespace llm::plan
