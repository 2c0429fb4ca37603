// SPDX-License-Identifier: GPL-2.0-only
#include "memory/cgroup_backend.h"

#include <libcgroup.h>

#include <cerrno>
#include <cstring>

#include "util/state_file.h"

namespace llm::memory {
namespace {

// libcgroup names cgroups relative to the mount, without the leading '/'.
std::string rel(const std::string& path) { return path == "/" ? "" : path.substr(1); }

std::string lib_error(int ret)
{
    int err = errno;
    int last = cgroup_get_last_errno();
    if (ret == ECGOTHER)
        return std::string("libcgroup: ") + std::strerror(last ? last : err);
    std::string s = std::string("libcgroup: ") + cgroup_strerror(ret);
    if (last || err)
        s += " (" + std::string(std::strerror(last ? last : err)) + ")";
    return s;
}

// A libcgroup handle for one cgroup, with the controllers it is reached through.
struct Handle {
    cgroup* cg = nullptr;
    Handle(const std::string& path, const std::set<std::string>& ctrls)
    {
        cg = cgroup_new_cgroup(rel(path).c_str());
        for (const auto& c : ctrls)
            cgroup_add_controller(cg, c.c_str());
    }
    ~Handle() { cgroup_free(&cg); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
};

class LibcgroupBackend final : public CgroupBackend {
public:
    explicit LibcgroupBackend(std::string mount) : mount_(std::move(mount)) {}
    util::Status start() override
    {
        if (int ret = cgroup_init(); ret != 0)
            return util::error("libcgroup cannot start: " + lib_error(ret));
        return {};
    }
    util::Status create(const std::string& path, const std::set<std::string>& ctrls) override
    {
        Handle h(path, ctrls);
        if (int ret = cgroup_create_cgroup(h.cg, 0); ret != 0)
            return util::error(lib_error(ret));
        return {};
    }
    util::Status remove(const std::string& path, const std::set<std::string>& ctrls) override
    {
        Handle h(path, ctrls);
        if (int ret = cgroup_delete_cgroup(h.cg, 1); ret != 0)
            return util::error(lib_error(ret));
        return {};
    }
    util::Status write(const std::string& path, const std::string& file, const std::string& value) override
    {
        auto ctrl = file.substr(0, file.find('.'));
        Handle h(path, {ctrl});
        cgroup_add_value_string(cgroup_get_controller(h.cg, ctrl.c_str()), file.c_str(), value.c_str());
        if (int ret = cgroup_modify_cgroup(h.cg); ret != 0)
            return util::error(lib_error(ret));
        return {};
    }
    util::Status attach(const std::string& path, const std::set<std::string>& ctrls, uint32_t tgid) override
    {
        Handle h(path, ctrls);
        if (int ret = cgroup_attach_task_pid(h.cg, static_cast<pid_t>(tgid)); ret != 0) {
            if (ret == ECGOTHER && cgroup_get_last_errno() == ESRCH)
                return {};  // it exited meanwhile
            return util::error(lib_error(ret));
        }
        return {};
    }
    // One cgroup.procs write, not libcgroup: 2.0.2 crashes attaching to the
    // root cgroup on v2 (cgroup_attach_task_pid with NULL looks for v1
    // "tasks" files; SIGSEGV in the VM lane), and refuses a destination
    // where the listed controllers are not enabled ("Cgroup is not
    // mounted"), though a v2 move is one write whatever the controllers.
    util::Status move_process(const std::string& path, uint32_t tgid) override
    {
        auto st = util::write_kernel_file(dir(path) + "/cgroup.procs", std::to_string(tgid));
        if (!st && errno == ESRCH)
            return {};  // it exited meanwhile
        return st;
    }
    // Straight to cgroupfs: libcgroup 2.0.x starts enabling one level below
    // the root and never touches the root's file (issues 351 and 405), and
    // systemd does not enable hugetlb there.
    util::Status set_subtree_control(const std::string& path, const std::string& ctrl, bool on) override
    {
        auto st = util::write_kernel_file(dir(path) + "/cgroup.subtree_control", (on ? "+" : "-") + ctrl);
        if (!st && on && errno == EBUSY)
            return util::error(st.error() + "; cgroup v2 lets a cgroup with processes of its own enable controllers "
                                            "only for itself: move them into a child cgroup");
        return st;
    }

private:
    [[nodiscard]] std::string dir(const std::string& path) const { return path == "/" ? mount_ : mount_ + path; }
    std::string mount_;
};

}  // namespace

std::unique_ptr<CgroupBackend> libcgroup_backend(std::string mount)
{
    return std::make_unique<LibcgroupBackend>(std::move(mount));
}

}  // namespace llm::memory
