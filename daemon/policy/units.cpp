// SPDX-License-Identifier: GPL-2.0-only
#include "policy/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace llm::policy {
namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

std::optional<uint64_t> parse_uint(std::string_view s)
{
    uint64_t v = 0;
    if (s.empty())
        return std::nullopt;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || ptr != s.data() + s.size())
        return std::nullopt;
    return v;
}

}  // namespace

namespace {

// Digits, then optional white space, a K/M/G/T unit (with "i" after it)
// and a "B": "16G", "16 GiB", "512MB", "4096", "4096B". *overflow: well
// formed, but more than 2^64 bytes.
std::optional<uint64_t> read_size(std::string_view text, bool* overflow)
{
    *overflow = false;
    auto s = trim(text);
    size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits])))
        ++digits;
    if (digits == 0)
        return std::nullopt;
    auto rest = trim(s.substr(digits));
    unsigned shift = 0;
    if (!rest.empty()) {
        switch (std::toupper(static_cast<unsigned char>(rest.front()))) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: break;
        }
        if (shift) {
            rest.remove_prefix(1);
            if (!rest.empty() && (rest.front() == 'i' || rest.front() == 'I'))
                rest.remove_prefix(1);
        }
        if (!rest.empty() && (rest.front() == 'b' || rest.front() == 'B'))
            rest.remove_prefix(1);
        if (!rest.empty())
            return std::nullopt;
    }
    auto v = parse_uint(s.substr(0, digits));
    if (!v || (shift && *v > (std::numeric_limits<uint64_t>::max() >> shift))) {
        *overflow = true;
        return std::nullopt;
    }
    return *v << shift;
}

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text)
{
    bool overflow = false;
    return read_size(text, &overflow);
}

bool size_too_large(std::string_view text)
{
    bool overflow = false;
    return !read_size(text, &overflow) && overflow;
}

util::Result<std::set<unsigned>> parse_cpu_list(std::string_view text)
{
    std::set<unsigned> out;
    auto fail = [](std::string msg) -> util::Result<std::set<unsigned>> { return util::error(std::move(msg)); };
    auto s = trim(text);
    bool more = !s.empty();
    while (more) {
        auto comma = s.find(',');
        auto item = trim(s.substr(0, comma));
        more = comma != std::string_view::npos;  // "0," ends in an empty item
        s = more ? s.substr(comma + 1) : std::string_view{};
        if (item.empty())
            return fail("empty item in CPU list");
        auto dash = item.find('-');
        auto lo = parse_uint(trim(item.substr(0, dash)));
        auto hi = dash == std::string_view::npos ? lo : parse_uint(trim(item.substr(dash + 1)));
        if (!lo || !hi)
            return fail("'" + std::string(item) + "' is not a CPU number or range");
        if (*lo > *hi)
            return fail("range '" + std::string(item) + "' runs backwards");
        if (*hi >= 4096)
            return fail("CPU " + std::to_string(*hi) + " is beyond any supported machine");
        for (auto c = *lo; c <= *hi; ++c)
            out.insert(static_cast<unsigned>(c));
    }
    return out;
}

std::string format_cpu_list(const std::set<unsigned>& cpus)
{
    std::string out;
    for (auto it = cpus.begin(); it != cpus.end();) {
        unsigned lo = *it, hi = lo;
        for (++it; it != cpus.end() && *it == hi + 1; ++it)
            hi = *it;
        if (!out.empty())
            out += ',';
        out += std::to_string(lo);
        if (hi != lo)
            out += '-' + std::to_string(hi);
    }
    return out;
}

std::optional<uint64_t> parse_duration_ns(std::string_view text, uint64_t default_unit_ns)
{
    auto s = trim(text);
    size_t num_end = 0;
    while (num_end < s.size() && (std::isdigit(static_cast<unsigned char>(s[num_end])) || s[num_end] == '.'))
        ++num_end;
    auto num = s.substr(0, num_end);
    auto unit = trim(s.substr(num_end));
    if (num.empty())
        return std::nullopt;
    double v = 0;
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc{} || ptr != num.data() + num.size())
        return std::nullopt;
    double mult = static_cast<double>(default_unit_ns);
    if (unit == "ns") mult = 1;
    else if (unit == "us") mult = 1e3;
    else if (unit == "ms") mult = 1e6;
    else if (unit == "s") mult = 1e9;
    else if (unit == "min") mult = 60e9;
    else if (!unit.empty()) return std::nullopt;
    double ns = v * mult;
    if (!std::isfinite(ns) || ns > 1e18)
        return UINT64_MAX;  // well formed, but longer than any range: the caller says "out of range"
    return static_cast<uint64_t>(std::llround(ns));
}

std::string format_size(uint64_t bytes)
{
    static const char* units[] = {"", "K", "M", "G", "T"};
    unsigned u = 0;
    while (u < 4 && bytes && bytes % 1024 == 0) {
        bytes /= 1024;
        ++u;
    }
    return std::to_string(bytes) + units[u];
}

}  // namespace llm::policy
