// SPDX-License-Identifier: GPL-2.0-only
#include "plan/psi.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace llm::plan {

util::Result<PsiSome> parse_psi_some(const std::string& text)
{
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string kind, word;
        if (!(words >> kind) || kind != "some")
            continue;
        PsiSome out;
        bool avg10 = false, total = false;
        while (words >> word) {
            auto eq = word.find('=');
            if (eq == std::string::npos)
                continue;
            auto key = word.substr(0, eq);
            auto value = word.substr(eq + 1);
            char* end = nullptr;
            if (key == "avg10") {
                out.avg10 = std::strtod(value.c_str(), &end);
                avg10 = end && *end == '\0' && !value.empty();
            } else if (key == "total") {
                out.total_us = std::strtoull(value.c_str(), &end, 10);
                total = end && *end == '\0' && !value.empty();
            }
        }
        if (!avg10 || !total)
            return util::error("the \"some\" line has no readable avg10 and total: \"" + line + "\"");
        return out;
    }
    return util::error("no \"some\" line (is PSI on? CONFIG_PSI=y and no psi=0 on the kernel command line)");
}

std::string psi_trigger(double percent, uint64_t window_us)
{
    window_us = std::clamp<uint64_t>(window_us, 500'000, 10'000'000);
    auto stall = static_cast<uint64_t>(percent / 100.0 * static_cast<double>(window_us));
    stall = std::clamp<uint64_t>(stall, 1, window_us);
    return "some " + std::to_string(stall) + " " + std::to_string(window_us);
}

}  // namespace llm::plan
