// SPDX-License-Identifier: GPL-2.0-only
// The kernel's tunable files (/proc/sys, /sys/kernel/mm, ...) as the knob
// store reads and writes them. The host's implementation makes one read or
// one write(2) per call, so the kernel's errno reaches the message; tests
// pass a fixture tree or a fake kernel whose knobs move each other.
#pragma once

#include <string>

#include "util/result.h"

namespace llm::memory {

class KernelFiles {
public:
    virtual ~KernelFiles() = default;
    [[nodiscard]] virtual util::Result<std::string> read(const std::string& path) = 0;
    [[nodiscard]] virtual util::Status write(const std::string& path, const std::string& value) = 0;
};

KernelFiles& host_kernel_files();

}  // namespace llm::memory
