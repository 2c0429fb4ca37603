// SPDX-License-Identifier: GPL-2.0-only
#include "policy/cpu_spec.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <algorithm>
#include <tuple>
#include <vector>

#include "policy/diagnostics.h"
#include "policy/policy.h"
#include "policy/units.h"

namespace llm::policy {
namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool all_digits(std::string_view s)
{
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "37.5%" -> 0.375: digits, an optional fraction, '%', at most 100.
std::optional<double> percent(std::string_view s)
{
    if (s.size() < 2 || s.back() != '%')
        return std::nullopt;
    auto num = s.substr(0, s.size() - 1);
    auto dot = num.find('.');
    if (!all_digits(num.substr(0, dot)) || (dot != std::string_view::npos && !all_digits(num.substr(dot + 1))))
        return std::nullopt;
    double v = std::strtod(std::string(num).c_str(), nullptr);
    if (v > 100)
        return std::nullopt;
    return v / 100.0;
}

std::set<unsigned> by_position(const std::vector<unsigned>& cpus, double lo, double hi)
{
    size_t n = cpus.size();
    auto a = static_cast<size_t>(std::floor(static_cast<double>(n) * lo + 1e-9));
    auto b = static_cast<size_t>(std::floor(static_cast<double>(n) * hi + 1e-9));
    if (a >= n)
        a = n - 1;
    if (b <= a)
        b = a + 1;
    std::set<unsigned> out;
    for (size_t i = a; i < b && i < n; ++i)
        out.insert(cpus[i]);
    return out;
}

constexpr const char* kForms = "write \"all\", \"first half\", \"last half\", \"25%-75%\", \"first 25%\", \"last 25%\", "
                               "\"all but 2\", \"node0\", or CPU numbers such as \"0-5,8\"";

}  // namespace

bool is_relative_cpu_text(std::string_view text)
{
    // What a plain CPU list may hold, whitespace included (policy/units.h).
    return text.find_first_not_of("0123456789,- \t\n\v\f\r") != std::string_view::npos;
}

util::Result<std::set<unsigned>> resolve_cpu_text(std::string_view text, const Machine& m)
{
    auto t = trim(text);
    std::vector<unsigned> cpus(m.online_cpus.begin(), m.online_cpus.end());
    if (cpus.empty())
        return util::error("this machine reports no online CPUs");
    const std::string quoted = "\"" + std::string(t) + "\"";
    if (t == "all")
        return std::set<unsigned>(m.online_cpus);
    if (t == "first half")
        return by_position(cpus, 0, 0.5);
    if (t == "last half" || t == "second half")
        return by_position(cpus, 0.5, 1);
    if (starts_with(t, "first ") || starts_with(t, "last ")) {
        bool first = starts_with(t, "first ");
        auto p = percent(t.substr(first ? 6 : 5));
        if (!p)
            return util::error(quoted + " needs a percentage from 0 to 100, such as \"first 25%\"");
        return first ? by_position(cpus, 0, *p) : by_position(cpus, 1 - *p, 1);
    }
    if (starts_with(t, "all but ")) {
        auto count = t.substr(8);
        if (!all_digits(count) || count.size() > 4)
            return util::error(quoted + " needs a count of CPUs to leave out, such as \"all but 2\"");
        auto leave = static_cast<size_t>(std::stoul(std::string(count)));
        if (leave >= cpus.size())
            return util::error(quoted + " leaves no CPU: this machine has " + std::to_string(cpus.size()) +
                               " online (" + format_cpu_list(m.online_cpus) + ")");
        return std::set<unsigned>(cpus.begin(), cpus.end() - static_cast<long>(leave));
    }
    if (auto dash = t.find('-'); dash != std::string_view::npos && t.find('%') != std::string_view::npos) {
        auto lo = percent(t.substr(0, dash)), hi = percent(t.substr(dash + 1));
        if (!lo || !hi)
            return util::error(quoted + " is not a CPU set; " + kForms);
        if (*lo >= *hi)
            return util::error(quoted + " runs from high to low; write the lower percentage first");
        return by_position(cpus, *lo, *hi);
    }
    if (starts_with(t, "node")) {
        std::set<unsigned> out;
        std::string_view rest = t;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            auto item = trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (comma != std::string_view::npos && trim(rest).empty())
                return util::error(quoted + " ends in a comma; write \"node0,node1\"");
            if (!starts_with(item, "node") || !all_digits(item.substr(4)) || item.size() > 8)
                return util::error("\"" + std::string(item) + "\" is not a NUMA node; write \"node0\" or \"node0,node1\"");
            auto node = static_cast<unsigned>(std::stoul(std::string(item.substr(4))));
            auto it = m.node_cpus.find(node);
            if (it == m.node_cpus.end())
                return util::error("NUMA node " + std::to_string(node) + " does not exist on this machine (nodes here: " +
                                   format_cpu_list(m.numa_nodes) + ")");
            for (unsigned c : it->second)
                if (m.online_cpus.count(c))
                    out.insert(c);
        }
        if (out.empty())
            return util::error(quoted + " has no online CPU on this machine");
        return out;
    }
    return util::error(quoted + " is not a CPU set; " + kForms);
}

void resolve_relative_cpus(Policy& p, const Machine& m, Diagnostics& d)
{
    for (size_t i = 0; i < p.classes.size(); ++i) {
        auto& c = p.classes[i];
        for (const auto& [key, text] : c.cpu_text) {
            auto path = "/classes/" + std::to_string(i) + (key == "cpus" ? "/cpus" : "/phases/" + key);
            auto set = resolve_cpu_text(text, m);
            if (!set) {
                d.error(path, set.error(), kForms);
                continue;
            }
            auto& slot = key == "cpus" ? c.cpus : key == "forward" ? c.forward : c.backward;
            slot = *set;
        }
        // "split": "auto" with no lists starts from an even split of the class's CPUs.
        if (c.auto_split && !c.forward && !c.backward) {
            const auto& base = c.cpus ? *c.cpus : m.online_cpus;
            c.forward.emplace();
            c.backward.emplace();
            size_t k = 0;
            for (unsigned cpu : base)
                (k++ < base.size() / 2 ? *c.forward : *c.backward).insert(cpu);
        }
    }
    // A class with a CPU range starts with its minimum, in growth order.
    for (size_t i = 0; i < p.classes.size(); ++i) {
        auto& c = p.classes[i];
        if (!c.cpu_range)
            continue;
        auto order = growth_order(m, range_pool(p, i, m));
        std::set<unsigned> start;
        for (size_t k = 0; k < order.size() && k < c.cpu_range->min; ++k)
            start.insert(order[k]);
        c.cpus = start;
    }
}

std::set<unsigned> range_pool(const Policy& p, size_t class_index, const Machine& m)
{
    std::set<unsigned> pool = m.online_cpus;
    for (size_t i = 0; i < p.classes.size(); ++i) {
        const auto& o = p.classes[i];
        if (i == class_index || !o.cpus_exclusive)
            continue;
        for (const auto* s : {&o.cpus, &o.forward, &o.backward})
            if (*s)
                for (unsigned cpu : **s)
                    pool.erase(cpu);
    }
    return pool;
}

std::vector<unsigned> growth_order(const Machine& m, const std::set<unsigned>& allowed, const std::set<unsigned>& start)
{
    std::vector<unsigned> order(allowed.begin(), allowed.end());
    if (order.empty())
        return order;
    unsigned anchor = start.empty() ? order.front() : *start.begin();
    auto llc = [&](unsigned cpu) {
        auto it = m.cpu_llc.find(cpu);
        return it == m.cpu_llc.end() ? 0u : it->second;
    };
    auto node = [&](unsigned cpu) {
        for (const auto& [n, cpus] : m.node_cpus)
            if (cpus.count(cpu))
                return n;
        return 0u;
    };
    auto key = [&](unsigned cpu) {
        return std::make_tuple(!start.count(cpu), llc(cpu) != llc(anchor), node(cpu) != node(anchor), node(cpu),
                               llc(cpu), cpu);
    };
    std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned b) { return key(a) < key(b); });
    return order;
}

}  // namespace llm::policy
