#include "memory/knob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "util/read_file.h"

namespace llm::memory {
namespace {

std::optional<std::string> read_file(const std::string& path, std::string* error)
{
    int err = 0;
    auto text = util::read_file(path, &err);
    if (!text)
        *error = "cannot read " + path + ": " + std::strerror(err);
    return text;
}

// One write(2), so the kernel's errno (EINVAL, EPERM, EBUSY) reaches the report.
std::optional<std::string> write_file(const std::string& path, const std::string& value)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return "cannot open " + path + ": " + std::strerror(errno);
    ssize_t n = ::write(fd, value.data(), value.size());
    int err = errno;
    ::close(fd);
    if (n < 0)
        return "writing \"" + value + "\" to " + path + " failed: " + std::strerror(err);
    return std::nullopt;
}

}  // namespace

KnobStore::KnobStore(std::string state_dir) : state_file_(std::move(state_dir) + "/originals.json") {}

std::optional<std::string> KnobStore::adopt(size_t* adopted)
{
    *adopted = 0;
    std::string err;
    if (!std::filesystem::exists(state_file_))
        return std::nullopt;
    auto text = read_file(state_file_, &err);
    if (!text)
        return err;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.contains("knobs") || !j["knobs"].is_object())
        return state_file_ + " is damaged; move it away only after checking the values it held";
    for (const auto& [path, entry] : j["knobs"].items()) {
        originals_[path] = entry.value("original", "");
        formats_[path] = static_cast<Format>(entry.value("format", 0));
    }
    *adopted = originals_.size();
    return std::nullopt;
}

std::optional<std::string> KnobStore::save() const
{
    nlohmann::json j;
    j["knobs"] = nlohmann::json::object();
    for (const auto& [path, value] : originals_)
        j["knobs"][path] = {{"original", value}, {"format", static_cast<int>(formats_.at(path))}};
    std::error_code ec;
    auto dir = std::filesystem::path(state_file_).parent_path();
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    auto tmp = state_file_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return "cannot write " + tmp + ": " + std::strerror(errno);
    auto text = j.dump(2) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), state_file_.c_str()) != 0)
        return "cannot save the original values to " + state_file_ + ": " + std::strerror(errno);
    return std::nullopt;
}

std::optional<std::string> KnobStore::restore_one(const std::string& path)
{
    auto it = originals_.find(path);
    if (it == originals_.end())
        return std::nullopt;
    // Every knob accepts the normalized form it showed (lru_gen its hex mask).
    return write_file(path, it->second);
}

ApplyReport KnobStore::apply(const std::vector<Knob>& plan)
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
        std::string err;
        auto raw = read_file(k.path, &err);
        if (!raw) {
            rep.fatal = k.name + ": " + err + " (does this kernel have it?)";
            return rep;
        }
        originals_[k.path] = normalize(k.format, *raw);
        formats_[k.path] = k.format;
        recorded = true;
    }
    if (recorded) {
        if (auto err = save()) {
            rep.fatal = *err;
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
    for (const auto& path : dropped) {
        if (auto err = restore_one(path)) {
            rep.fatal = *err;
            return rep;
        }
        rep.restored.push_back(path + " = " + originals_[path]);
        originals_.erase(path);
        formats_.erase(path);
    }
    if (!dropped.empty())
        save();
    for (const auto& k : plan) {
        KnobResult r{k.name, k.path, k.wanted.empty() ? k.value : k.wanted, "", originals_[k.path], false, ""};
        if (k.value != r.wanted)
            r.error = "capped at " + k.value + " to leave the system memory";
        if (auto err = write_file(k.path, k.value))
            r.error = *err;
        rep.knobs.push_back(std::move(r));
    }
    // Read back only after every write: one knob can move another (THP and
    // min_free_kbytes), and the report must say what the kernel ends up with.
    for (size_t i = 0; i < plan.size(); ++i) {
        const auto& k = plan[i];
        auto& r = rep.knobs[i];
        std::string rerr;
        if (auto back = read_file(k.path, &rerr))
            r.got = normalize(k.format, *back);
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
    std::vector<std::string> failed;
    for (const auto& [path, value] : originals_)
        if (auto err = restore_one(path))
            failed.push_back(*err);
    originals_.clear();
    formats_.clear();
    std::error_code ec;
    if (failed.empty())
        std::filesystem::remove(state_file_, ec);
    return failed;
}

}  // namespace llm::memory
