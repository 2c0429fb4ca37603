// SPDX-License-Identifier: GPL-2.0-only
// Errors found in a policy: each names the JSON path, what is wrong and
// how to fix it, so an operator can act on every one from a single run.
#pragma once

#include <string>
#include <vector>

namespace llm::policy {

struct Diagnostic {
    std::string path;  // JSON pointer, e.g. /classes/2/phases/forward
    std::string what;  // what is wrong
    std::string fix;   // what would be right
};

class Diagnostics {
public:
    void error(std::string path, std::string what, std::string fix = {})
    {
        items_.push_back({std::move(path), std::move(what), std::move(fix)});
    }
    [[nodiscard]] bool ok() const { return items_.empty(); }
    [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
    // One line per error: "FILE: /path: what (fix)".
    [[nodiscard]] std::string format(const std::string& file) const;

private:
    std::vector<Diagnostic> items_;
};

}  // namespace llm::policy
