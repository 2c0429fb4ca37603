// SPDX-License-Identifier: GPL-2.0-only
#include "policy/parser.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>

#include "llm_schedd/intf.h"
#include "policy/cpu_spec.h"

#include "policy/vocabulary.h"
#include "policy/json_duplicates.h"
#include "policy/units.h"

namespace llm::policy {

using nlohmann::json;

const char* to_string(Order o)
{
    switch (o) {
    case Order::Fifo: return "fifo";
    case Order::RoundRobin: return "rr";
    case Order::Fair: return "fair";
    }
    return "?";
}

const char* to_string(SliceMode m) { return m == SliceMode::History ? "history" : "fixed"; }

size_t edit_distance(const std::string& a, const std::string& b)
{
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

namespace {

const char* type_name(const json& v)
{
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_float: return "a number";
    default: return "an integer";
    }
}

// Reads the members of one JSON object, and reports the ones nobody asked for.
// A JSON number with no fraction part and no sign, as a whole number. JSON
// has one number type, and the schema's "integer" takes 5.0 as well as 5.
std::optional<uint64_t> whole(const json& v)
{
    if (v.is_number_unsigned())
        return v.get<uint64_t>();
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (d >= 0 && d < 18446744073709551616.0 && std::floor(d) == d)
            return static_cast<uint64_t>(d);
    }
    return std::nullopt;
}

class ObjectReader {
public:
    ObjectReader(const json& obj, std::string path, Diagnostics& d, std::vector<std::string> keys)
        : obj_(obj), path_(std::move(path)), d_(d), keys_(std::move(keys))
    {
    }
    ~ObjectReader() { report_unknown(); }
    ObjectReader(const ObjectReader&) = delete;
    ObjectReader& operator=(const ObjectReader&) = delete;

    [[nodiscard]] std::string at(const std::string& key) const { return path_ + "/" + key; }
    [[nodiscard]] const json* get(const std::string& key) const
    {
        auto it = obj_.find(key);
        return it == obj_.end() ? nullptr : &*it;
    }

    std::optional<bool> boolean(const std::string& key)
    {
        const json* v = get(key);
        if (!v)
            return std::nullopt;
        if (!v->is_boolean()) {
            d_.error(at(key), std::string("expected true or false, found ") + type_name(*v),
                     "write " + key + ": true or " + key + ": false");
            return std::nullopt;
        }
        return v->get<bool>();
    }

    std::optional<uint64_t> integer(const std::string& key, uint64_t lo, uint64_t hi)
    {
        const json* v = get(key);
        if (!v)
            return std::nullopt;
        auto whole_value = whole(*v);
        if (!whole_value) {
            d_.error(at(key), std::string("expected a whole number, found ") + type_name(*v) +
                                  (v->is_number() ? " " + v->dump() : ""),
                     "use a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
            return std::nullopt;
        }
        auto n = *whole_value;
        if (n < lo || n > hi) {
            d_.error(at(key), "value " + v->dump() + " is out of range",
                     "use a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
            return std::nullopt;
        }
        return n;
    }

    std::optional<double> number(const std::string& key, double lo, double hi)
    {
        const json* v = get(key);
        if (!v)
            return std::nullopt;
        if (!v->is_number()) {
            d_.error(at(key), std::string("expected a number, found ") + type_name(*v),
                     "use a number from " + fmt(lo) + " to " + fmt(hi));
            return std::nullopt;
        }
        double n = v->get<double>();
        if (!(n >= lo && n <= hi)) {
            d_.error(at(key), "value " + v->dump() + " is out of range",
                     "use a number from " + fmt(lo) + " to " + fmt(hi));
            return std::nullopt;
        }
        return n;
    }

    std::optional<std::string> string(const std::string& key)
    {
        const json* v = get(key);
        if (!v)
            return std::nullopt;
        if (!v->is_string()) {
            d_.error(at(key), std::string("expected a string, found ") + type_name(*v),
                     "put the value in double quotes");
            return std::nullopt;
        }
        return v->get<std::string>();
    }

    std::optional<std::string> choice(const std::string& key, const std::vector<std::string>& allowed)
    {
        auto s = string(key);
        if (!s)
            return std::nullopt;
        if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed)
                list += (list.empty() ? "" : ", ") + ("\"" + a + "\"");
            d_.error(at(key), "unknown value \"" + *s + "\"", "use one of " + list);
            return std::nullopt;
        }
        return s;
    }

    // A duration given as a number in `unit` or a string like "200ms".
    std::optional<uint64_t> duration(const std::string& key, uint64_t unit_ns, const char* unit_name,
                                     uint64_t lo_ns, uint64_t hi_ns)
    {
        const json* v = get(key);
        if (!v)
            return std::nullopt;
        std::optional<uint64_t> ns;
        if (auto n = whole(*v))  // past the range: refused below, never wrapped around
            ns = *n > hi_ns / unit_ns ? UINT64_MAX : *n * unit_ns;
        else if (v->is_string())
            ns = parse_duration_ns(v->get<std::string>(), unit_ns);
        auto range = "from " + std::to_string(lo_ns / unit_ns) + " to " + std::to_string(hi_ns / unit_ns) +
                     " (" + unit_name + "), or a string such as \"200ms\"";
        if (!ns) {
            d_.error(at(key), "cannot read " + v->dump() + " as a duration", "use a whole number " + range);
            return std::nullopt;
        }
        if (*ns < lo_ns || *ns > hi_ns) {
            d_.error(at(key), "duration " + v->dump() + " is out of range", "use a value " + range);
            return std::nullopt;
        }
        return ns;
    }

    // A size in bytes: a whole number or a string such as "16G"; with
    // allow_max, "max" (no limit) reads as UINT64_MAX.
    std::optional<uint64_t> bytes(const std::string& key, bool allow_max = false)
    {
        const json* v = get(key);
        if (!v)
            return std::nullopt;
        if (auto n = whole(*v))
            return n;
        if (v->is_string()) {
            auto text = v->get<std::string>();
            if (allow_max && text == "max")
                return UINT64_MAX;
            if (auto n = parse_size(text))
                return n;
        }
        if (v->is_string() && size_too_large(v->get<std::string>())) {
            d_.error(at(key), "size " + v->dump() + " is larger than 2^64 bytes", "write a smaller size");
            return std::nullopt;
        }
        d_.error(at(key), "cannot read " + v->dump() + " as a size",
                 std::string("write bytes as a whole number or a string such as \"512M\" or \"16G\"") +
                     (allow_max ? ", or \"max\" for no limit" : ""));
        return std::nullopt;
    }

    // With `relative`, a set written relative to the machine ("first half",
    // policy/cpu_spec.h) is kept there as text under `name`, and an empty
    // set stands in for it until it is resolved.
    std::optional<std::set<unsigned>> cpus(const std::string& key, std::map<std::string, std::string>* relative = nullptr,
                                           const std::string& name = {})
    {
        const json* v = get(key);
        if (!v)
            return std::nullopt;
        std::string text;
        if (v->is_string()) {
            text = v->get<std::string>();
            if (relative && is_relative_cpu_text(text)) {
                (*relative)[name] = text;
                return std::set<unsigned>{};
            }
        } else if (v->is_array() && std::all_of(v->begin(), v->end(), [](const json& e) { return whole(e).has_value(); })) {
            for (const auto& e : *v)
                text += (text.empty() ? "" : ",") + std::to_string(*whole(e));
        } else {
            d_.error(at(key), std::string("expected a CPU list, found ") + type_name(*v),
                     "write a string such as \"0-5,8\" or an array of CPU numbers");
            return std::nullopt;
        }
        auto set = parse_cpu_list(text);
        if (!set) {
            d_.error(at(key), set.error(), "write a CPU list such as \"0-5,8\"");
            return std::nullopt;
        }
        if (set->empty()) {
            d_.error(at(key), "the CPU list is empty", "name at least one CPU, e.g. \"0-3\"");
            return std::nullopt;
        }
        return std::move(set).value();
    }

private:
    static std::string fmt(double v)
    {
        auto s = std::to_string(v);
        s.erase(s.find_last_not_of('0') + 1);
        if (!s.empty() && s.back() == '.')
            s.pop_back();
        return s;
    }

    void report_unknown()
    {
        for (const auto& [key, value] : obj_.items()) {
            if (std::find(keys_.begin(), keys_.end(), key) != keys_.end())
                continue;
            if (key == "$comment") {  // a note for people, in any object with fixed keys
                if (!value.is_string())
                    d_.error(at(key), std::string("expected a string, found ") + type_name(value),
                             "write the note as a string");
                continue;
            }
            std::string best;
            size_t best_d = 3;  // only suggest close matches
            for (const auto& k : keys_) {
                size_t dist = edit_distance(key, k);
                if (dist < best_d) {
                    best_d = dist;
                    best = k;
                }
            }
            std::string known;
            for (const auto& k : keys_)
                known += (known.empty() ? "" : ", ") + k;
            d_.error(at(key), "unknown key \"" + key + "\"",
                     best.empty() ? "known keys here: " + known : "did you mean \"" + best + "\"?");
        }
    }

    const json& obj_;
    std::string path_;
    Diagnostics& d_;
    std::vector<std::string> keys_;
};

bool expect_object(const json& v, const std::string& path, Diagnostics& d)
{
    if (v.is_object())
        return true;
    d.error(path.empty() ? "/" : path, std::string("expected an object, found ") + type_name(v),
            "write { ... } here");
    return false;
}

void parse_scheduler(const json& v, const std::string& path, SchedulerSpec& s, Diagnostics& d)
{
    if (!expect_object(v, path, d))
        return;
    ObjectReader r(v, path, d,
                   {"enabled", "watchdog_ms", "default_slice_us", "starvation_ms", "guard_share_pct",
                    "max_reattach", "reattach_window_s", "test_fault_after_dispatches"});
    if (auto b = r.boolean("enabled"))
        s.enabled = *b;
    if (auto ns = r.duration("watchdog_ms", 1'000'000, "ms", 100'000'000, 30'000'000'000))
        s.watchdog_ns = *ns;
    if (auto ns = r.duration("default_slice_us", 1'000, "us", 50'000, 1'000'000'000))
        s.default_slice_ns = *ns;
    // Below 20 ms the guard's windows (a quarter of it) shrink to a few
    // ticks and the bound cannot hold; see bpf/guard.bpf.h.
    if (auto ns = r.duration("starvation_ms", 1'000'000, "ms", 20'000'000, 30'000'000'000))
        s.starvation_ns = *ns;
    if (auto n = r.integer("guard_share_pct", 0, 50))
        s.guard_share_pct = static_cast<unsigned>(*n);
    if (auto n = r.integer("max_reattach", 0, 100))
        s.max_reattach = static_cast<unsigned>(*n);
    if (auto ns = r.duration("reattach_window_s", 1'000'000'000, "s", 1'000'000'000, 86'400'000'000'000))
        s.reattach_window_ns = *ns;
    if (auto n = r.integer("test_fault_after_dispatches", 0, UINT64_MAX / 2))
        s.test_fault_after_dispatches = *n;
    if (s.starvation_ns >= s.watchdog_ns)
        d.error(path + "/starvation_ms", "starvation_ms must be below watchdog_ms, or the kernel ejects the scheduler first",
                "lower starvation_ms or raise watchdog_ms");
}

// "127.0.0.1:9464" or "[::1]:9464"; only loopback, so metrics never leave the host.
std::optional<Endpoint> parse_loopback_endpoint(const std::string& text)
{
    std::string host, port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos)
            return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host == "localhost")
        host = "127.0.0.1";
    if (host != "::1" && !std::regex_match(host, std::regex("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}")))
        return std::nullopt;
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    unsigned long n = std::stoul(port);
    if (n == 0 || n > 65535)
        return std::nullopt;
    return Endpoint{host, static_cast<uint16_t>(n)};
}

void parse_daemon(const json& v, const std::string& path, DaemonSpec& s, Diagnostics& d)
{
    if (!expect_object(v, path, d))
        return;
    ObjectReader r(v, path, d, {"watch_config", "reload_debounce_ms", "control_group", "metrics_listen"});
    if (auto b = r.boolean("watch_config"))
        s.watch_config = *b;
    if (auto ns = r.duration("reload_debounce_ms", 1'000'000, "ms", 10'000'000, 10'000'000'000))
        s.reload_debounce_ns = *ns;
    if (auto g = r.string("control_group")) {
        if (std::regex_match(*g, std::regex("[a-z_][a-z0-9_-]{0,31}\\$?")))
            s.control_group = *g;
        else
            d.error(r.at("control_group"), "\"" + *g + "\" is not a valid group name",
                    "name an existing group such as \"llm\", or leave control_group out (root only)");
    }
    if (auto m = r.string("metrics_listen")) {
        if (auto ep = parse_loopback_endpoint(*m))
            s.metrics_listen = *ep;
        else
            d.error(r.at("metrics_listen"), "\"" + *m + "\" is not a loopback address with a port",
                    "write \"127.0.0.1:9464\" or \"[::1]:9464\"; put a proxy in front to publish metrics further");
    }
}

// "2M" or "1G" (also "2MB", "2MiB", "1GB", "1GiB"): the huge page sizes
// x86-64 has, spelled as the schema lists them.
std::optional<uint64_t> huge_page_kb(const std::string& text)
{
    for (const char* two_m : {"2M", "2MB", "2MiB"})
        if (text == two_m)
            return 2048;
    for (const char* one_g : {"1G", "1GB", "1GiB"})
        if (text == one_g)
            return 1024 * 1024;
    return std::nullopt;
}

std::optional<uint32_t> parse_mode(const std::string& text)
{
    if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos)
        return std::nullopt;
    return static_cast<uint32_t>(std::stoul(text, nullptr, 8));
}

void parse_hugetlbfs(const json& v, const std::string& path, std::vector<HugetlbfsMount>& out, Diagnostics& d)
{
    if (!v.is_array()) {
        d.error(path, "expected an array of mounts",
                "write e.g. [ { \"path\": \"/dev/hugepages-llm\", \"page_size\": \"2M\" } ]");
        return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
        auto p = path + "/" + std::to_string(i);
        if (!expect_object(v[i], p, d))
            continue;
        ObjectReader r(v[i], p, d, {"path", "page_size", "size", "min_size", "uid", "gid", "mode"});
        HugetlbfsMount mnt;
        if (auto s = r.string("path"))
            mnt.path = *s;
        else
            d.error(r.at("path"), "a mount needs a path", "add \"path\": \"/dev/hugepages-llm\"");
        if (auto s = r.string("page_size")) {
            if (auto kb = huge_page_kb(*s))
                mnt.page_kb = *kb;
            else
                d.error(r.at("page_size"), "\"" + *s + "\" is not a huge page size", "use \"2M\" or \"1G\" (x86-64)");
        }
        mnt.size = r.bytes("size");
        mnt.min_size = r.bytes("min_size");
        if (auto n = r.integer("uid", 0, 4'294'967'294))
            mnt.uid = static_cast<uint32_t>(*n);
        if (auto n = r.integer("gid", 0, 4'294'967'294))
            mnt.gid = static_cast<uint32_t>(*n);
        if (auto s = r.string("mode")) {
            mnt.mode = parse_mode(*s);
            if (!mnt.mode)
                d.error(r.at("mode"), "\"" + *s + "\" is not an octal mode", "write e.g. \"0770\"");
        }
        out.push_back(std::move(mnt));
    }
}

void parse_class_memory(const json& v, const std::string& path, ClassMemory& cm, Diagnostics& d)
{
    if (!expect_object(v, path, d))
        return;
    ObjectReader r(v, path, d, {"min", "low", "high", "max", "swap_max", "oom_group", "hugetlb", "mems", "protect"});
    if (const json* pv = r.get("protect"); pv && expect_object(*pv, r.at("protect"), d)) {
        ObjectReader pr(*pv, r.at("protect"), d, {"psi_some_avg10_max", "floor", "step", "interval_ms"});
        MemoryProtect mp;
        if (auto t = pr.number("psi_some_avg10_max", 0.1, 100))
            mp.psi_some_avg10_max = *t;
        else if (!pr.get("psi_some_avg10_max"))
            d.error(pr.at("psi_some_avg10_max"), "protect needs a pressure target",
                    "add \"psi_some_avg10_max\": 5 (percent of time this class's tasks stall on memory)");
        if (auto f = pr.bytes("floor"))
            mp.floor = *f;
        else if (!pr.get("floor"))
            d.error(pr.at("floor"), "protect needs a floor for the memory.high it sets on lower classes",
                    "add \"floor\": \"512M\" (the least the classes under this one keep)");
        if (auto st = pr.number("step", 0.01, 0.5))
            mp.step = *st;
        if (auto ns = pr.duration("interval_ms", 1'000'000, "ms", 100'000'000, 10'000'000'000))
            mp.interval_ns = *ns;
        cm.protect = mp;
    }
    cm.min = r.bytes("min");
    cm.low = r.bytes("low");
    cm.high = r.bytes("high", true);
    cm.max = r.bytes("max", true);
    cm.swap_max = r.bytes("swap_max", true);
    cm.oom_group = r.boolean("oom_group");
    cm.mems = r.cpus("mems");
    if (const json* h = r.get("hugetlb"); h && expect_object(*h, r.at("hugetlb"), d)) {
        for (const auto& [size, limit] : h->items()) {
            auto p = r.at("hugetlb") + "/" + size;
            auto kb = huge_page_kb(size);
            if (!kb) {
                d.error(p, "\"" + size + "\" is not a huge page size", "use \"2M\" or \"1G\" (x86-64)");
                continue;
            }
            std::optional<uint64_t> b;
            if (whole(limit))
                b = whole(limit);
            else if (limit.is_string())
                b = limit.get<std::string>() == "max" ? std::optional<uint64_t>(UINT64_MAX) : parse_size(limit.get<std::string>());
            if (!b) {
                d.error(p,
                        limit.is_string() && size_too_large(limit.get<std::string>())
                            ? "size " + limit.dump() + " is larger than 2^64 bytes"
                            : "cannot read " + limit.dump() + " as a size",
                        "write e.g. \"16G\", or \"max\"");
                continue;
            }
            cm.hugetlb[*kb] = *b;
        }
    }
    auto below = [&](const char* lo_key, std::optional<uint64_t> lo, const char* hi_key, std::optional<uint64_t> hi) {
        if (lo && hi && *lo > *hi)
            d.error(path + "/" + lo_key, std::string(lo_key) + " is above " + hi_key,
                    "limits must grow in the order min <= low <= high <= max");
    };
    below("min", cm.min, "low", cm.low);
    below("low", cm.low, "high", cm.high);
    below("high", cm.high, "max", cm.max);
    below("low", cm.low, "max", cm.max);
    below("min", cm.min, "max", cm.max);
}

void parse_memory(const json& v, const std::string& path, MemorySpec& m, Diagnostics& d)
{
    if (!expect_object(v, path, d))
        return;
    ObjectReader r(v, path, d, {"restore_on_exit", "sysctl", "thp", "lru_gen", "hugetlb", "hugetlbfs", "cgroup_root",
                                "compact_retry_ms"});
    if (auto ns = r.duration("compact_retry_ms", 1'000'000, "ms", 0, 60'000'000'000))
        m.compact_retry_ns = *ns;
    if (auto root = r.string("cgroup_root"))
        m.cgroup_root = *root;
    if (const json* h = r.get("hugetlbfs"))
        parse_hugetlbfs(*h, r.at("hugetlbfs"), m.hugetlbfs, d);
    if (auto b = r.boolean("restore_on_exit"))
        m.restore_on_exit = *b;
    if (const json* sc = r.get("sysctl"); sc && expect_object(*sc, r.at("sysctl"), d)) {
        ObjectReader sr(*sc, r.at("sysctl"), d, sysctl_names());
        for (const auto& name : sysctl_names()) {
            auto range = sysctl_range(name);
            if (auto n = sr.integer(name, range->lo, range->hi))
                m.sysctl[name] = *n;
        }
    }
    if (const json* t = r.get("thp"); t && expect_object(*t, r.at("thp"), d)) {
        ObjectReader tr(*t, r.at("thp"), d, {"enabled", "defrag", "shmem_enabled", "khugepaged", "sizes"});
        if (const json* sz = tr.get("sizes"); sz && expect_object(*sz, tr.at("sizes"), d)) {
            for (const auto& [size, mode] : sz->items()) {
                auto p = tr.at("sizes") + "/" + size;
                // Spelled as the kernel's directory names are ("64K", "2M").
                bool spelled = size.size() >= 2 && std::strchr("KMG", size.back()) &&
                               std::all_of(size.begin(), size.end() - 1, [](char ch) { return ch >= '0' && ch <= '9'; });
                auto b = spelled ? parse_size(size) : std::nullopt;
                if (!b || *b < 8192 || (*b & (*b - 1)) != 0) {
                    d.error(p, "\"" + size + "\" is not a page size", "use a power of two such as \"64K\" or \"2M\"");
                    continue;
                }
                static const std::vector<std::string> modes{"always", "inherit", "madvise", "never"};
                if (!mode.is_string() || std::find(modes.begin(), modes.end(), mode.get<std::string>()) == modes.end()) {
                    d.error(p, "unknown value " + mode.dump(),
                            "use one of \"always\", \"inherit\", \"madvise\", \"never\"");
                    continue;
                }
                m.mthp[*b / 1024] = mode.get<std::string>();
            }
        }
        for (const char* key : {"enabled", "defrag", "shmem_enabled"})
            if (auto c = tr.choice(key, *thp_choices(key)))
                m.thp[key] = *c;
        if (const json* k = tr.get("khugepaged"); k && expect_object(*k, tr.at("khugepaged"), d)) {
            std::vector<std::string> names;
            for (const auto& key : thp_keys())
                if (key.rfind("khugepaged/", 0) == 0)
                    names.push_back(key.substr(11));
            ObjectReader kr(*k, tr.at("khugepaged"), d, names);
            for (const auto& name : names) {
                auto range = thp_number_range("khugepaged/" + name);
                if (auto n = kr.integer(name, range->lo, range->hi))
                    m.thp["khugepaged/" + name] = std::to_string(*n);
            }
        }
    }
    if (const json* l = r.get("lru_gen"); l && expect_object(*l, r.at("lru_gen"), d)) {
        ObjectReader lr(*l, r.at("lru_gen"), d, {"enabled", "min_ttl_ms"});
        m.lru_gen_enabled = lr.boolean("enabled");
        if (auto ns = lr.duration("min_ttl_ms", 1'000'000, "ms", 0, 3'600'000'000'000))
            m.lru_gen_min_ttl_ms = *ns / 1'000'000;
    }
    if (const json* h = r.get("hugetlb")) {
        if (!h->is_array()) {
            d.error(r.at("hugetlb"), "expected an array of pools",
                    "write e.g. [ { \"page_size\": \"2M\", \"pages\": 512 } ]");
            return;
        }
        std::set<std::pair<uint64_t, int64_t>> seen;
        for (size_t i = 0; i < h->size(); ++i) {
            auto p = r.at("hugetlb") + "/" + std::to_string(i);
            if (!expect_object((*h)[i], p, d))
                continue;
            ObjectReader pr((*h)[i], p, d, {"page_size", "pages", "node", "required"});
            HugetlbPool pool;
            if (auto sz = pr.string("page_size")) {
                if (auto kb = huge_page_kb(*sz))
                    pool.page_kb = *kb;
                else
                    d.error(pr.at("page_size"), "\"" + *sz + "\" is not a huge page size",
                            "use \"2M\" or \"1G\" (x86-64)");
            } else {
                d.error(pr.at("page_size"), "a pool needs a page_size", "add \"page_size\": \"2M\"");
            }
            if (auto n = pr.integer("pages", 0, 1ULL << 32))
                pool.pages = *n;
            else if (!pr.get("pages"))
                d.error(pr.at("pages"), "a pool needs a number of pages", "add \"pages\": 512");
            if (auto n = pr.integer("node", 0, 1023))
                pool.node = static_cast<unsigned>(*n);
            if (auto b = pr.boolean("required"))
                pool.required = *b;
            if (!seen.emplace(pool.page_kb, pool.node ? static_cast<int64_t>(*pool.node) : -1).second)
                d.error(p, "a second pool for the same page size and node", "merge the two entries");
            m.hugetlb.push_back(pool);
        }
    }
}

void parse_slice(const json& v, const std::string& path, SliceSpec& s, uint64_t default_slice, Diagnostics& d)
{
    s.fixed_ns = default_slice;
    if (!expect_object(v, path, d))
        return;
    ObjectReader r(v, path, d, {"mode", "fixed_us", "min_us", "max_us", "ewma", "scale"});
    if (auto m = r.choice("mode", {"fixed", "history"}))
        s.mode = *m == "history" ? SliceMode::History : SliceMode::Fixed;
    if (auto ns = r.duration("fixed_us", 1'000, "us", 50'000, 1'000'000'000))
        s.fixed_ns = *ns;
    if (auto ns = r.duration("min_us", 1'000, "us", 50'000, 1'000'000'000))
        s.min_ns = *ns;
    if (auto ns = r.duration("max_us", 1'000, "us", 50'000, 1'000'000'000))
        s.max_ns = *ns;
    if (auto x = r.number("ewma", 0.01, 1.0))
        s.ewma = *x;
    if (auto x = r.number("scale", 0.1, 16.0))
        s.scale = *x;
    if (s.min_ns > s.max_ns)
        d.error(path + "/min_us", "min_us is above max_us", "make min_us <= max_us");
}

void parse_match(const json& v, const std::string& path, std::vector<MatchRule>& out, Diagnostics& d)
{
    if (!v.is_array() || v.empty()) {
        d.error(path, "expected a non-empty array of match rules",
                "write e.g. [ { \"comm_prefix\": \"python\" } ] or [ { \"default\": true } ]");
        return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
        auto p = path + "/" + std::to_string(i);
        if (!expect_object(v[i], p, d))
            continue;
        MatchRule m;
        ObjectReader r(v[i], p, d, {"default", "cgroup_prefix", "comm_prefix", "leader_comm_prefix", "pid", "tgid", "uid"});
        if (auto b = r.boolean("default"))
            m.catch_all = *b;
        m.cgroup_prefix = r.string("cgroup_prefix");
        m.comm_prefix = r.string("comm_prefix");
        m.leader_comm_prefix = r.string("leader_comm_prefix");
        if (auto n = r.integer("pid", 1, 4'194'304))
            m.pid = static_cast<uint32_t>(*n);
        if (auto n = r.integer("tgid", 1, 4'194'304))
            m.tgid = static_cast<uint32_t>(*n);
        if (auto n = r.integer("uid", 0, 4'294'967'294))
            m.uid = static_cast<uint32_t>(*n);
        if (m.cgroup_prefix && (m.cgroup_prefix->empty() || m.cgroup_prefix->front() != '/' ||
                                m.cgroup_prefix->find("..") != std::string::npos))
            d.error(r.at("cgroup_prefix"), "\"" + *m.cgroup_prefix + "\" is not an absolute cgroup path",
                    "write a path below the cgroup2 root such as \"/llm.slice/train\"");
        for (auto* s : {&m.comm_prefix, &m.leader_comm_prefix}) {
            if (*s && (s->value().empty() || s->value().size() > 15))
                d.error(r.at(s == &m.comm_prefix ? "comm_prefix" : "leader_comm_prefix"),
                        "a comm prefix must have 1 to 15 characters", "the kernel keeps 15 characters of a thread name");
        }
        bool any = m.cgroup_prefix || m.comm_prefix || m.leader_comm_prefix || m.pid || m.tgid || m.uid;
        if (m.catch_all && any)
            d.error(p, "\"default\" cannot be combined with other conditions",
                    "put the catch-all in its own rule: { \"default\": true }");
        else if (!m.catch_all && !any)
            d.error(p, "the rule has no condition", "add e.g. \"comm_prefix\", or write { \"default\": true }");
        out.push_back(std::move(m));
    }
}

// "cpus": {"min": 2, "max": 12, "util": [0.6, 0.9], "dwell_ms": 2000}
std::optional<CpuRange> parse_cpu_range(const json& v, const std::string& path, Diagnostics& d)
{
    const std::string example = "write e.g. { \"min\": 2, \"max\": 12, \"util\": [0.6, 0.9] }";
    ObjectReader r(v, path, d, {"min", "max", "util", "dwell_ms"});
    CpuRange cr;
    auto lo = r.integer("min", 1, LLM_MAX_CPUS), hi = r.integer("max", 1, LLM_MAX_CPUS);
    if (!r.get("min") || !r.get("max")) {
        d.error(path, "a CPU range needs \"min\" and \"max\"", example);
        return std::nullopt;
    }
    if (!lo || !hi)
        return std::nullopt;
    cr.min = static_cast<unsigned>(*lo);
    cr.max = static_cast<unsigned>(*hi);
    bool ok = true;
    if (cr.min > cr.max) {
        d.error(r.at("max"), "max " + std::to_string(cr.max) + " is below min " + std::to_string(cr.min),
                "make min <= max");
        ok = false;
    }
    if (const json* u = r.get("util")) {
        if (!u->is_array() || u->size() != 2 || !(*u)[0].is_number() || !(*u)[1].is_number()) {
            d.error(r.at("util"), "expected [low, high], two numbers", "write e.g. \"util\": [0.6, 0.9]");
            ok = false;
        } else {
            double a = (*u)[0].get<double>(), b = (*u)[1].get<double>();
            if (!(a >= 0 && a <= 1 && b >= 0 && b <= 1)) {
                d.error(r.at("util"), "the band " + u->dump() + " is outside 0-1",
                        "per-CPU utilisation is a fraction: write e.g. [0.6, 0.9]");
                ok = false;
            } else if (!(a < b)) {
                d.error(r.at("util"), "the band " + u->dump() + " is empty or upside down",
                        "give the low bound first and below the high one, e.g. [0.6, 0.9]");
                ok = false;
            } else {
                cr.util_low = a;
                cr.util_high = b;
            }
        }
    }
    if (auto ms = r.integer("dwell_ms", 500, 600000))
        cr.dwell_ns = *ms * 1'000'000;
    if (!ok)
        return std::nullopt;
    return cr;
}

void parse_phase_roles(const json& v, const std::string& path, std::vector<PhaseRole>& out, Diagnostics& d)
{
    const std::string example = "write e.g. [ { \"comm_prefix\": \"pt_autograd_\", \"phase\": \"backward\" } ]";
    if (!v.is_array() || v.empty()) {
        d.error(path, "expected a non-empty array of roles", example);
        return;
    }
    if (v.size() > LLM_MAX_PHASE_ROLES)
        d.error(path, "a class has at most " + std::to_string(LLM_MAX_PHASE_ROLES) + " roles, found " +
                          std::to_string(v.size()),
                "use shorter prefixes that cover several thread names");
    for (size_t i = 0; i < v.size(); ++i) {
        auto p = path + "/" + std::to_string(i);
        if (!expect_object(v[i], p, d))
            continue;
        ObjectReader r(v[i], p, d, {"comm_prefix", "phase"});
        PhaseRole role;
        auto prefix = r.string("comm_prefix");
        if (!prefix)
            d.error(p, "a role needs \"comm_prefix\"", example);
        else if (prefix->empty() || prefix->size() > 15)
            d.error(r.at("comm_prefix"), "a comm prefix must have 1 to 15 characters",
                    "the kernel keeps 15 characters of a thread name");
        else
            role.comm_prefix = *prefix;
        if (!r.get("phase"))
            d.error(p, "a role needs \"phase\"", example);
        else if (auto ph = r.choice("phase", {"forward", "backward"}))
            role.phase = *ph == "forward" ? LLM_PHASE_FORWARD : LLM_PHASE_BACKWARD;
        out.push_back(std::move(role));
    }
}

ClassSpec parse_class(const json& v, const std::string& path, const SchedulerSpec& sched, Diagnostics& d)
{
    ClassSpec c;
    if (!expect_object(v, path, d))
        return c;
    ObjectReader r(v, path, d, {"name", "match", "priority", "order", "slice", "cpus", "phases", "cpus_exclusive", "memory"});
    if (auto n = r.string("name"))
        c.name = *n;
    if (c.name.empty() || !std::regex_match(c.name, std::regex("[A-Za-z0-9_.-]{1,32}")) || c.name == "." ||
        c.name == "..")
        d.error(r.at("name"), c.name.empty() ? "every class needs a name" : "name \"" + c.name + "\" is not allowed",
                c.name == "." || c.name == ".." ? "a class name becomes a cgroup directory; \".\" and \"..\" are not names"
                                                : "use 1-32 letters, digits, '_', '-' or '.'");
    if (const json* m = r.get("match"))
        parse_match(*m, r.at("match"), c.match, d);
    else
        d.error(r.at("match"), "the class has no match rules", "add \"match\": [ { \"comm_prefix\": \"...\" } ]");
    if (auto n = r.integer("priority", 0, 99))
        c.priority = static_cast<unsigned>(*n);
    if (auto o = r.choice("order", {"fifo", "rr", "fair"}))
        c.order = *o == "fifo" ? Order::Fifo : *o == "rr" ? Order::RoundRobin : Order::Fair;
    c.slice.fixed_ns = sched.default_slice_ns;
    if (const json* s = r.get("slice"))
        parse_slice(*s, r.at("slice"), c.slice, sched.default_slice_ns, d);
    if (const json* cv = r.get("cpus"); cv && cv->is_object())
        c.cpu_range = parse_cpu_range(*cv, r.at("cpus"), d);
    else
        c.cpus = r.cpus("cpus", &c.cpu_text, "cpus");
    if (const json* ph = r.get("phases")) {
        if (expect_object(*ph, r.at("phases"), d)) {
            ObjectReader pr(*ph, r.at("phases"), d,
                            {"forward", "backward", "roles", "strict", "split", "split_dwell_ms", "split_band"});
            c.forward = pr.cpus("forward", &c.cpu_text, "forward");
            c.backward = pr.cpus("backward", &c.cpu_text, "backward");
            auto split = pr.choice("split", {"fixed", "auto"});
            if (split == "auto") {
                c.auto_split.emplace();
                if (auto ms = pr.integer("split_dwell_ms", 500, 600000))
                    c.auto_split->dwell_ns = *ms * 1'000'000;
                if (auto b = pr.number("split_band", 0, 0.9))
                    c.auto_split->band = *b;
            } else {
                for (const char* k : {"split_dwell_ms", "split_band"})
                    if (pr.get(k))
                        d.error(pr.at(k), std::string(k) + " applies to \"split\": \"auto\" only",
                                "add \"split\": \"auto\" or drop " + std::string(k));
            }
            bool lists = pr.get("forward") || pr.get("backward");
            if ((!pr.get("forward") || !pr.get("backward")) && (lists || !c.auto_split))
                d.error(r.at("phases"), "phases needs both \"forward\" and \"backward\" CPU lists",
                        "write e.g. { \"forward\": \"0-5\", \"backward\": \"6-11\" }; unmarked threads use \"cpus\"; "
                        "with \"split\": \"auto\" both may be left out (an even split of cpus to start)");
            if (const json* roles = pr.get("roles"))
                parse_phase_roles(*roles, pr.at("roles"), c.roles, d);
            if (auto strict = pr.boolean("strict"))
                c.strict_phases = *strict;
        }
    }
    if (auto b = r.boolean("cpus_exclusive"))
        c.cpus_exclusive = *b;
    if (const json* mem = r.get("memory")) {
        c.memory.emplace();
        parse_class_memory(*mem, r.at("memory"), *c.memory, d);
    }
    if (c.cpus_exclusive && !c.cpus && !c.forward && !c.cpu_range)
        d.error(r.at("cpus_exclusive"), "an exclusive class needs its own CPUs",
                "add \"cpus\" or \"phases\", or drop cpus_exclusive");
    return c;
}

// nlohmann's message already says "at line L, column C"; keep that part.
std::string syntax_message(const json::parse_error& e)
{
    std::string w = e.what();
    auto pos = w.find("parse error");
    return pos == std::string::npos ? w : w.substr(pos);
}

// "number overflow parsing '1e400'" -> "a number too large for JSON at line L, column C: 1e400".
std::string number_overflow_message(const std::string& text, const std::string& what)
{
    auto open = what.find('\''), close = what.rfind('\'');
    if (open == std::string::npos || close <= open)
        return what;
    std::string number = what.substr(open + 1, close - open - 1);
    auto at = text.find(number);
    if (at == std::string::npos)
        return "a number too large for JSON: " + number;
    size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
    size_t column = line_start == std::string::npos || at == 0 ? at + 1 : at - line_start;
    return "a number too large for JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
           ": " + (number.size() > 40 ? number.substr(0, 40) + "..." : number);
}

}  // namespace

std::optional<Policy> parse_policy(const std::string& json_text, Diagnostics& d)
{
    if (json_text.find_first_not_of(" \t\r\n") == std::string::npos) {
        d.error("/", "the file is empty", "start from `llm-schedd --example`");
        return std::nullopt;
    }
    json doc;
    try {
        doc = json::parse(json_text);
    } catch (const json::parse_error& e) {
        d.error("/", syntax_message(e), "fix the JSON syntax at that line and column");
        return std::nullopt;
    } catch (const json::out_of_range& e) {
        // A number beyond a double (1e400): nlohmann gives no position, so find the text.
        d.error("/", number_overflow_message(json_text, e.what()), "write a number a double can hold (|x| < 1.8e308)");
        return std::nullopt;
    }
    for (const auto& dup : find_duplicate_keys(json_text))
        d.error(dup.path, "the key is given twice in one object (lines " + std::to_string(dup.first_line) + " and " +
                              std::to_string(dup.second_line) + "); JSON would silently keep the second",
                "keep one of the two");
    if (!d.ok())
        return std::nullopt;
    Policy p;
    if (!expect_object(doc, "", d))
        return std::nullopt;
    {
        ObjectReader r(doc, "", d, {"$schema", "daemon", "scheduler", "memory", "classes"});
        (void)r.string("$schema");  // an editor's hint; only its type is checked
        if (const json* s = r.get("daemon"))
            parse_daemon(*s, "/daemon", p.daemon, d);
        if (const json* s = r.get("memory"))
            parse_memory(*s, "/memory", p.memory, d);
        if (const json* s = r.get("scheduler"))
            parse_scheduler(*s, "/scheduler", p.scheduler, d);
        const json* cl = r.get("classes");
        if (!cl || !cl->is_array() || cl->empty()) {
            d.error("/classes", "expected a non-empty array of classes",
                    "add at least a catch-all class: { \"name\": \"default\", \"match\": [ { \"default\": true } ] }");
        } else if (cl->size() > 32) {
            d.error("/classes", "too many classes (" + std::to_string(cl->size()) + ")", "use at most 32 classes");
        } else {
            for (size_t i = 0; i < cl->size(); ++i)
                p.classes.push_back(parse_class((*cl)[i], "/classes/" + std::to_string(i), p.scheduler, d));
        }
    }
    if (!d.ok())
        return std::nullopt;
    return p;
}

}  // namespace llm::policy
