// SPDX-License-Identifier: GPL-2.0-only
#include "sched/loaded_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <utility>

namespace llm::sched {
namespace {

struct Wanted {
    const char* name;
    bpf_map_type type;
    uint32_t value_size;
    int* fd;
    uint32_t id = 0;
};

}  // namespace

std::optional<llm_task_ctx> lookup_task_ctx(int map_fd, int tid)
{
    constexpr unsigned pidfd_thread = O_EXCL;  // PIDFD_THREAD
    int pfd = static_cast<int>(syscall(SYS_pidfd_open, tid, pidfd_thread));
    if (pfd < 0)
        pfd = static_cast<int>(syscall(SYS_pidfd_open, tid, 0));
    if (pfd < 0)
        return std::nullopt;
    llm_task_ctx v{};
    int err = bpf_map_lookup_elem(map_fd, &pfd, &v);
    close(pfd);
    if (err)
        return std::nullopt;
    return v;
}

std::vector<ClassStats> read_class_stats(int map_fd, uint32_t nr_classes)
{
    std::vector<ClassStats> out;
    int ncpu = libbpf_num_possible_cpus();
    std::vector<llm_class_stats> vals(static_cast<size_t>(ncpu > 0 ? ncpu : 1));
    for (uint32_t k = 0; k < nr_classes && k < LLM_MAX_CLASSES; ++k) {
        ClassStats cs;
        if (bpf_map_lookup_elem(map_fd, &k, vals.data()) == 0) {
            cs.per_cpu = vals;
            for (const auto& v : vals) {
                auto& t = cs.total;
                t.enqueues += v.enqueues;
                t.dispatches += v.dispatches;
                t.preemptions += v.preemptions;
                t.starvation_rescues += v.starvation_rescues;
                t.guard_share_runs += v.guard_share_runs;
                t.phase_migrations += v.phase_migrations;
                t.affinity_fallbacks += v.affinity_fallbacks;
                t.phase_borrows += v.phase_borrows;
                t.runtime_ns += v.runtime_ns;
                t.wait_ns += v.wait_ns;
                for (int b = 0; b < LLM_LAT_BUCKETS; ++b)
                    t.lat_hist[b] += v.lat_hist[b];
                for (int ph = 0; ph < LLM_NR_PHASES; ++ph) {
                    t.phase_runtime_ns[ph] += v.phase_runtime_ns[ph];
                    t.phase_wait_ns[ph] += v.phase_wait_ns[ph];
                }
            }
        }
        out.push_back(std::move(cs));
    }
    return out;
}

util::Result<LoadedMaps> LoadedMaps::find()
{
    LoadedMaps m;
    Wanted wanted[] = {
        {"policy", BPF_MAP_TYPE_ARRAY, sizeof(llm_policy), &m.policy_fd_},
        {"class_stats", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(llm_class_stats), &m.stats_fd_},
        {"task_ctxs", BPF_MAP_TYPE_TASK_STORAGE, sizeof(llm_task_ctx), &m.task_fd_},
    };
    uint32_t id = 0;
    int denied = 0;
    while (bpf_map_get_next_id(id, &id) == 0) {
        int fd = bpf_map_get_fd_by_id(id);
        if (fd < 0) {
            denied += errno == EPERM;
            continue;
        }
        bpf_map_info info{};
        uint32_t len = sizeof(info);
        bool kept = false;
        if (bpf_map_get_info_by_fd(fd, &info, &len) == 0) {
            for (auto& w : wanted) {
                // Newest match wins: a dying daemon's maps may linger briefly.
                if (std::strcmp(info.name, w.name) == 0 && info.type == static_cast<uint32_t>(w.type) &&
                    info.value_size == w.value_size && id > w.id) {
                    if (*w.fd >= 0)
                        close(*w.fd);
                    *w.fd = fd;
                    w.id = id;
                    kept = true;
                }
            }
        }
        if (!kept)
            close(fd);
    }
    for (const auto& w : wanted) {
        if (*w.fd < 0)
            return util::error(errno == EPERM || denied
                                   ? "permission denied reading BPF maps (run as root)"
                                   : "llm_sched is not loaded (no BPF map \"" + std::string(w.name) + "\")");
    }
    return util::Result<LoadedMaps>(std::move(m));
}

LoadedMaps::LoadedMaps(LoadedMaps&& o) noexcept
    : policy_fd_(std::exchange(o.policy_fd_, -1)), stats_fd_(std::exchange(o.stats_fd_, -1)),
      task_fd_(std::exchange(o.task_fd_, -1))
{
}

LoadedMaps::~LoadedMaps()
{
    for (int fd : {policy_fd_, stats_fd_, task_fd_})
        if (fd >= 0)
            close(fd);
}

std::optional<llm_policy> LoadedMaps::policy() const
{
    auto best = std::make_unique<llm_policy>();
    auto cur = std::make_unique<llm_policy>();
    bool found = false;
    for (uint32_t slot = 0; slot < LLM_POLICY_SLOTS; ++slot) {
        if (bpf_map_lookup_elem(policy_fd_, &slot, cur.get()) == 0 && cur->nr_classes &&
            (!found || cur->generation > best->generation)) {
            std::swap(best, cur);
            found = true;
        }
    }
    if (!found)
        return std::nullopt;
    return *best;
}

std::vector<ClassStats> LoadedMaps::stats(uint32_t nr_classes) const
{
    return read_class_stats(stats_fd_, nr_classes);
}

std::optional<llm_task_ctx> LoadedMaps::task(int tid) const { return lookup_task_ctx(task_fd_, tid); }

}  // namespace llm::sched
