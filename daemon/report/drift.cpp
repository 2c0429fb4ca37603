// SPDX-License-Identifier: GPL-2.0-only
#include "report/drift.h"

namespace llm::report {

namespace {

std::string trimmed(const std::string& s)
{
    auto b = s.find_first_not_of(" \t\n");
    if (b == std::string::npos)
        return "";
    return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

}  // namespace

DriftReport compare(const std::vector<Reading>& readings)
{
    DriftReport r;
    for (const auto& x : readings) {
        ++r.checked;
        if (!x.now) {
            r.drifted.push_back({x.kind, x.name, x.path, x.expected,
                                 "(unreadable" + (x.error.empty() ? "" : ": " + x.error) + ")"});
            continue;
        }
        if (trimmed(*x.now) != trimmed(x.expected))
            r.drifted.push_back({x.kind, x.name, x.path, trimmed(x.expected), trimmed(*x.now)});
    }
    return r;
}

nlohmann::json to_json(const DriftReport& r)
{
    nlohmann::json j{{"checked", r.checked}, {"drifted", r.drifted.size()}, {"drift", nlohmann::json::array()}};
    for (const auto& d : r.drifted)
        j["drift"].push_back(
            {{"kind", d.kind}, {"name", d.name}, {"path", d.path}, {"expected", d.expected}, {"now", d.now}});
    return j;
}

std::string to_text(const DriftReport& r)
{
    if (r.drifted.empty())
        return "in line with the live policy: " + std::to_string(r.checked) + " settings checked\n";
    std::string out;
    for (const auto& d : r.drifted)
        out += "drift: " + d.kind + " " + d.name + (d.path.empty() ? "" : " (" + d.path + ")") + ": " + d.expected +
               " -> " + d.now + "\n";
    out += std::to_string(r.drifted.size()) + " of " + std::to_string(r.checked) +
           " settings drifted from the live policy (a reload puts them back)\n";
    return out;
}

}  // namespace llm::report
