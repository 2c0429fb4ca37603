// SPDX-License-Identifier: GPL-2.0-only
#include "memory/mounter.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "memory/host_mountinfo.h"
#include "plan/hugetlbfs_plan.h"

namespace llm::memory {
namespace {

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

// Waits up to `timeout` for `path` to be mounted (want) or not (!want).
bool wait_mounted(const std::string& path, bool want, std::chrono::milliseconds timeout)
{
    auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto e = mount_at(host_mountinfo(), path);
        if ((e && e->fstype == "hugetlbfs") == want)
            return true;
        if (std::chrono::steady_clock::now() >= end)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

class DirectMounter final : public Mounter {
public:
    util::Status mount(const std::string& path, int dir_fd, const std::string& options) override
    {
        bool remount = mount_at(host_mountinfo(), path).has_value();
        std::string target = "/proc/self/fd/" + std::to_string(dir_fd);
        unsigned long flags = MS_NOSUID | MS_NODEV | (remount ? MS_REMOUNT : 0);
        if (::mount("hugetlbfs", target.c_str(), "hugetlbfs", flags, options.c_str()) != 0) {
            int err = errno;
            std::string why = errno_text(err);
            if (err == ENOMEM || err == EINVAL)
                why += " (min_size needs that many free pages in the pool; size and min_size must be multiples of "
                       "the page size)";
            return util::error("mounting hugetlbfs at " + path + " with \"" + options + "\" failed: " + why);
        }
        return util::Status::success();
    }
    util::Status unmount(const std::string& path, bool* busy) override
    {
        *busy = false;
        if (::umount2(path.c_str(), UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT) {
            *busy = errno == EBUSY;
            return util::error("cannot unmount " + path + ": " + errno_text(errno));
        }
        return util::Status::success();
    }
    bool creates_directories() const override { return false; }
    const char* name() const override { return "mount(2)"; }
};

// One connection to PID 1 per operation: mounts are rare, and a
// connection kept open would outlive a `systemctl daemon-reexec`.
class Bus {
public:
    ~Bus() { sd_bus_flush_close_unref(bus_); }
    util::Status open()
    {
        int r = sd_bus_new(&bus_);
        if (r >= 0)
            r = sd_bus_set_address(bus_, "unix:path=/run/systemd/private");
        if (r >= 0)
            r = sd_bus_start(bus_);
        if (r < 0)
            return util::error("cannot reach systemd at /run/systemd/private: " + errno_text(r));
        return util::Status::success();
    }
    // Calls a method of org.freedesktop.systemd1.Manager with "ss" arguments.
    util::Status call_ss(const char* method, const std::string& a, const char* b)
    {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message* reply = nullptr;
        int r = sd_bus_call_method(bus_, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", method, &err, &reply, "ss", a.c_str(), b);
        std::string msg = r < 0 ? (err.message ? err.message : errno_text(r)) : "";
        bool no_unit = r < 0 && err.name && std::strcmp(err.name, "org.freedesktop.systemd1.NoSuchUnit") == 0;
        sd_bus_error_free(&err);
        sd_bus_message_unref(reply);
        if (r < 0)
            return util::error(std::string(no_unit ? "no-such-unit: " : "") + method + " " + a + ": " + msg);
        return util::Status::success();
    }
    util::Status start_transient_mount(const std::string& unit, const std::string& path, const std::string& options)
    {
        sd_bus_message* m = nullptr;
        sd_bus_message* reply = nullptr;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus_, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                               "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r >= 0)
            r = sd_bus_message_append(m, "ss", unit.c_str(), "fail");
        if (r >= 0)
            r = sd_bus_message_append(m, "a(sv)", 5, "Description", "s", "llm-schedd hugetlbfs mount", "What", "s",
                                      "hugetlbfs", "Where", "s", path.c_str(), "Type", "s", "hugetlbfs", "Options",
                                      "s", options.c_str());
        if (r >= 0)
            r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r >= 0)
            r = sd_bus_call(bus_, m, 0, &err, &reply);
        std::string msg = r < 0 ? (err.message ? err.message : errno_text(r)) : "";
        sd_bus_error_free(&err);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        if (r < 0)
            return util::error("systemd refused the mount unit " + unit + ": " + msg);
        return util::Status::success();
    }

private:
    sd_bus* bus_ = nullptr;
};

class SystemdMounter final : public Mounter {
public:
    util::Status mount(const std::string& path, int /*dir_fd*/, const std::string& options) override
    {
        const auto unit = mount_unit_name(path);
        Bus bus;
        if (auto s = bus.open(); !s)
            return s;
        // A mount of ours with other options: systemd cannot change a
        // transient unit's options, so stop it first (refused if busy).
        if (mount_at(host_mountinfo(), path)) {
            bool busy = false;
            if (auto s = unmount(path, &busy); !s)
                return util::error("hugetlbfs " + path + ": its options changed, but " + s.error());
        }
        if (auto s = bus.start_transient_mount(unit, path, "nosuid,nodev," + options); !s)
            return s;
        if (!wait_mounted(path, true, std::chrono::seconds(10)))
            return util::error("systemd did not mount hugetlbfs at " + path + " with \"" + options +
                               "\" (see journalctl -u '" + unit + "'; min_size needs that many free pages)");
        return util::Status::success();
    }
    util::Status unmount(const std::string& path, bool* busy) override
    {
        *busy = false;
        const auto unit = mount_unit_name(path);
        Bus bus;
        if (auto s = bus.open(); !s)
            return s;
        if (auto s = bus.call_ss("StopUnit", unit, "fail"); !s) {
            // systemd has a unit for every mount it sees, whoever made it:
            // no such unit means nothing is mounted there.
            if (s.error().rfind("no-such-unit: ", 0) == 0)
                return util::Status::success();
            return util::error("cannot unmount " + path + ": " + s.error());
        }
        if (!wait_mounted(path, false, std::chrono::seconds(10))) {
            *busy = true;
            (void)bus.call_ss("ResetFailedUnit", unit, "fail");
            return util::error("cannot unmount " + path + ": it is still mounted (in use)");
        }
        return util::Status::success();
    }
    bool creates_directories() const override { return true; }
    const char* name() const override { return "systemd"; }
};

}  // namespace

std::string mount_unit_name(const std::string& path)
{
    std::string p = path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    size_t start = p.find_first_not_of('/');
    if (start == std::string::npos)
        return "-.mount";
    std::string out;
    for (size_t i = start; i < p.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(p[i]);
        if (c == '/') {
            out += '-';
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
                   c == '_' || (c == '.' && !out.empty())) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out + ".mount";
}

std::unique_ptr<Mounter> direct_mounter() { return std::make_unique<DirectMounter>(); }
std::unique_ptr<Mounter> systemd_mounter() { return std::make_unique<SystemdMounter>(); }

std::unique_ptr<Mounter> host_mounter()
{
    struct stat st {};
    if (std::getenv("INVOCATION_ID") && ::stat("/run/systemd/private", &st) == 0 && S_ISSOCK(st.st_mode))
        return systemd_mounter();
    return direct_mounter();
}

}  // namespace llm::memory
