// SPDX-License-Identifier: GPL-2.0-only
// Test helper: whether a diagnostic at `path` mentions `needle` in its
// message or its fix.
#pragma once

#include <string>

#include "policy/diagnostics.h"

inline bool has_error(const llm::policy::Diagnostics& d, const std::string& path, const std::string& needle)
{
    for (const auto& e : d.items())
        if (e.path == path && (e.what + " " + e.fix).find(needle) != std::string::npos)
            return true;
    return false;
}
