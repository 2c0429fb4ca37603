// SPDX-License-Identifier: GPL-2.0-only
#include "memory/knob_store.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "util/read_file.h"
#include "util/state_file.h"

namespace llm::memory {
namespace {

// Sysctls go back last: writing THP `enabled` makes the kernel recompute
// vm.min_free_kbytes, which would undo a sysctl restored before it.
std::vector<std::string> restore_order(std::vector<std::string> paths)
{
    std::stable_partition(paths.begin(), paths.end(),
                          [](const std::string& p) { return p.rfind("/proc/sys/", 0) != 0; });
    return paths;
}

}  // namespace

KnobStore::KnobStore(std::string state_dir, KernelFiles& files)
    : state_file_(std::move(state_dir) + "/originals.json"), files_(files)
{
}

util::Status KnobStore::adopt(size_t* adopted, std::vector<std::string>* dropped)
{
    *adopted = 0;
    std::string warning;
    auto knobs = util::read_state_file(state_file_, "knobs",
                                       "the values it held were not restored; check the memory knobs by hand", &warning);
    if (!knobs)
        return util::error(knobs.error());
    if (!warning.empty() && dropped)
        dropped->push_back(warning);
    size_t bad = 0;
    for (const auto& [path, entry] : knobs->items()) {
        bool shape = entry.is_object() && entry.contains("original") && entry["original"].is_string() &&
                     entry.value("format", nlohmann::json(0)).is_number_unsigned() &&
                     entry.value("format", 0) <= static_cast<int>(Format::Pool) &&
                     entry["original"].get<std::string>().find_first_of("\n\0") == std::string::npos;
        if (!knob_path_allowed(path) || !shape) {
            ++bad;
            if (dropped)
                dropped->push_back(state_file_ + ": \"" + path + "\" " +
                                   (shape ? "is not a file any policy can change" : "has a malformed entry") +
                                   "; not restored");
            continue;
        }
        originals_[path] = entry["original"].get<std::string>();
        formats_[path] = static_cast<Format>(entry.value("format", 0));
    }
    if (bad) {
        util::set_aside_partly_refused(state_file_, dropped);
        if (auto err = save(); !err)
            return err;
    }
    *adopted = originals_.size();
    return {};
}

util::Status KnobStore::save() const
{
    nlohmann::json j;
    j["knobs"] = nlohmann::json::object();
    for (const auto& [path, value] : originals_)
        j["knobs"][path] = {{"original", value}, {"format", static_cast<int>(formats_.at(path))}};
    if (auto st = util::write_state_file(state_file_, j.dump(2) + "\n"); !st)
        return util::error("cannot save the original values: " + st.error());
    return {};
}

util::Status KnobStore::restore_one(const std::string& path)
{
    auto it = originals_.find(path);
    if (it == originals_.end())
        return {};
    // A knob that already holds its original needs no write (and one the
    // daemon never got to write may not be writable at all).
    if (auto now = files_.read(path); now && normalize(formats_[path], *now) == it->second)
        return {};
    // Every knob accepts the normalized form it showed (lru_gen its hex mask).
    if (auto st = files_.write(path, it->second); !st)
        return util::error(st.error());
    return {};
}

ApplyReport KnobStore::apply(const std::vector<Knob>& plan, uint64_t compact_retry_ns)
{
    ApplyReport rep;
    // A required pool that cannot fit is refused before anything changes.
    for (const auto& k : plan)
        if (k.required && !k.wanted.empty() && k.wanted != k.value) {
            rep.fatal = k.name + ": wanted " + k.wanted + " pages, but at most " + k.value +
                        " fit while leaving the system memory (required: refusing)";
            return rep;
        }
    // Record every original first, and persist, before writing anything.
    bool recorded = false;
    for (const auto& k : plan) {
        if (originals_.count(k.path))
            continue;
        auto raw = files_.read(k.path);
        if (!raw) {
            rep.fatal = k.name + ": " + raw.error() + " (does this kernel have it?)";
            return rep;
        }
        originals_[k.path] = normalize(k.format, *raw);
        formats_[k.path] = k.format;
        recorded = true;
    }
    if (recorded) {
        if (auto err = save(); !err) {
            rep.fatal = err.error();
            return rep;
        }
    }
    // Knobs an earlier plan set that this one leaves alone go back.
    std::vector<std::string> dropped;
    for (const auto& [path, _] : originals_) {
        bool planned = false;
        for (const auto& k : plan)
            planned = planned || k.path == path;
        if (!planned)
            dropped.push_back(path);
    }
    for (const auto& path : restore_order(dropped)) {
        if (auto err = restore_one(path); !err) {
            rep.fatal = err.error();
            return rep;
        }
        rep.restored.push_back(path + " = " + originals_[path]);
        originals_.erase(path);
        formats_.erase(path);
    }
    if (!dropped.empty()) {
        if (auto err = save(); !err) {
            rep.fatal = err.error();
            return rep;
        }
    }
    for (const auto& k : plan) {
        KnobResult r{k.name, k.path, k.wanted.empty() ? k.value : k.wanted, "", originals_[k.path], false, ""};
        if (k.value != r.wanted)
            r.error = "capped at " + k.value + " to leave the system memory";
        if (auto st = files_.write(k.path, k.value); !st)
            r.error = st.error();
        rep.knobs.push_back(std::move(r));
    }
    // Read back only after every write: one knob can move another (THP and
    // min_free_kbytes), and the report must say what the kernel ends up with.
    for (size_t i = 0; i < plan.size(); ++i) {
        const auto& k = plan[i];
        auto& r = rep.knobs[i];
        if (auto back = files_.read(k.path))
            r.got = normalize(k.format, *back);
        // Free memory may be there but fragmented: compaction can make
        // contiguous huge pages, so rewrite the pool after each round.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(compact_retry_ns);
        while (k.format == Format::Pool && (r.error.empty() || r.error.rfind("capped", 0) == 0) && r.got != k.value &&
               compact_retry_ns &&
               std::chrono::steady_clock::now() < deadline) {
            if (!files_.write("/proc/sys/vm/compact_memory", "1") || !files_.write(k.path, k.value))
                break;
            ++r.compactions;
            if (auto back = files_.read(k.path))
                r.got = normalize(k.format, *back);
        }
        r.ok = satisfied(k, r.got) && (r.error.empty() || r.error.rfind("capped", 0) == 0);
        // A pool the kernel could not fill is reported; only `required` fails.
        if (!r.ok && (k.format != Format::Pool || k.required) && !rep.fatal)
            rep.fatal = k.name + ": wanted " + r.wanted + ", the kernel has " + r.got +
                        (r.error.empty() ? "" : " (" + r.error + ")");
    }
    return rep;
}

std::vector<std::string> KnobStore::restore_all()
{
    std::vector<std::string> failed, paths;
    for (const auto& [path, _] : originals_)
        paths.push_back(path);
    paths = restore_order(paths);
    for (const auto& path : paths)
        if (auto err = restore_one(path); !err)
            failed.push_back(err.error());
    // Read back only after every write, since one knob can move another.
    for (const auto& path : paths) {
        auto now = files_.read(path);
        auto got = now ? normalize(formats_[path], *now) : "(unreadable)";
        if (got != originals_[path])
            failed.push_back(path + " reads " + got + " after the restore, not its original " + originals_[path]);
    }
    // With a failure the record stays, so the operator (or the next daemon) still has the originals.
    if (failed.empty()) {
        std::error_code ec;
        std::filesystem::remove(state_file_, ec);
    }
    originals_.clear();
    formats_.clear();
    return failed;
}

}  // namespace llm::memory
