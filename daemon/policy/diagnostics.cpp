// SPDX-License-Identifier: GPL-2.0-only
#include "policy/diagnostics.h"

namespace llm::policy {

std::string Diagnostics::format(const std::string& file) const
{
    std::string out;
    for (const auto& d : items_) {
        out += file;
        out += ": ";
        out += d.path.empty() ? "/" : d.path;
        out += ": ";
        out += d.what;
        if (!d.fix.empty()) {
            out += " (";
            out += d.fix;
            out += ")";
        }
        out += '\n';
    }
    return out;
}

}  // namespace llm::policy
