// SPDX-License-Identifier: GPL-2.0-only
#include "sched/bpf_scheduler.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "llm_sched.skel.h"
#include "sched/loaded_maps.h"

namespace llm::sched {
namespace {

int libbpf_to_spdlog(enum libbpf_print_level level, const char* fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    if (n <= 0)
        return n;
    // Verifier logs run to megabytes; size the buffer to the message.
    std::string buf(static_cast<size_t>(n) + 1, '\0');
    std::vsnprintf(buf.data(), buf.size(), fmt, args);
    buf.resize(static_cast<size_t>(n));
    while (!buf.empty() && buf.back() == '\n')
        buf.pop_back();
    switch (level) {
    case LIBBPF_WARN: spdlog::warn("libbpf: {}", buf); break;
    case LIBBPF_INFO: spdlog::debug("libbpf: {}", buf); break;
    default: spdlog::trace("libbpf: {}", buf); break;
    }
    return n;
}

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

}  // namespace

std::string ExitRecord::kind_name() const
{
    switch (kind) {
    case 0: return "none";
    case 1: return "done";
    case 64: return "unregistered";
    case 65: return "unregistered by BPF";
    case 66: return "unregistered by the kernel";
    case 67: return "sysrq";
    case 1024: return "error";
    case 1025: return "BPF error";
    case 1026: return "runnable task stall";
    default: return "kind " + std::to_string(kind);
    }
}

// The policy map of the loaded object, for the push protocol.
class BpfScheduler::SkelSlots final : public PolicySlotOps {
public:
    SkelSlots(llm_sched* skel, const std::optional<GracePeriod>& grace) : skel_(skel), grace_(grace) {}
    [[nodiscard]] uint32_t live_slot() const override
    {
        return __atomic_load_n(&skel_->bss->active_slot, __ATOMIC_ACQUIRE);
    }
    [[nodiscard]] util::Status write(uint32_t slot, const llm_policy& table) override
    {
        if (int err = bpf_map__update_elem(skel_->maps.policy, &slot, sizeof(slot), &table, sizeof(table), BPF_ANY))
            return util::error("cannot write the policy table: " + errno_text(err));
        return {};
    }
    void set_live(uint32_t slot) override { __atomic_store_n(&skel_->bss->active_slot, slot, __ATOMIC_RELEASE); }
    [[nodiscard]] util::Status grace_period() override
    {
        if (!grace_)
            return util::error("no grace-period map");
        return grace_->wait();
    }

private:
    llm_sched* skel_;
    const std::optional<GracePeriod>& grace_;
};

void add_sched_stats(llm_sched_stats& t, const llm_sched_stats& v)
{
    t.guard_windows += v.guard_windows;
    t.guard_cuts += v.guard_cuts;
    t.slice_timer_kicks += v.slice_timer_kicks;
    t.cpu_releases += v.cpu_releases;
    t.reenqueued += v.reenqueued;
    t.marks_dropped += v.marks_dropped;
    t.kthread_runs += v.kthread_runs;
    t.kthread_runtime_ns += v.kthread_runtime_ns;
    t.kthread_wait_max_ns = std::max(t.kthread_wait_max_ns, v.kthread_wait_max_ns);
    for (int b = 0; b < LLM_LAT_BUCKETS; ++b)
        t.kthread_lat_hist[b] += v.kthread_lat_hist[b];
}

BpfScheduler::BpfScheduler() { libbpf_set_print(libbpf_to_spdlog); }

BpfScheduler::~BpfScheduler()
{
    detach();
    if (skel_)
        llm_sched__destroy(skel_);
}

util::Status BpfScheduler::load(const LoadOptions& opt)
{
    skel_ = llm_sched__open();
    if (!skel_)
        return util::error("cannot open the BPF object: " + errno_text(errno));
    skel_->rodata->nr_cpus = opt.nr_cpus;
    skel_->rodata->fault_error_after = opt.fault_after_dispatches;
    skel_->struct_ops.llm_sched_ops->timeout_ms = opt.timeout_ms;
    if (int err = llm_sched__load(skel_))
        return util::error("the kernel refused the BPF program (" + errno_text(err) +
               "); run with --log-level debug for the verifier log");
    auto grace = GracePeriod::create();
    if (!grace)
        return util::error(grace.error());
    grace_ = std::move(*grace);
    return {};
}

util::Status BpfScheduler::push(const llm_policy& table)
{
    if (!skel_)
        return util::error("scheduler not loaded");
    SkelSlots ops(skel_, grace_);
    if (auto st = slots_.push(ops, table); !st)
        return st;
    if (slots_.grace_owed())
        spdlog::warn("the grace period after a policy push failed; the next push waits for one first");
    pushed_ = true;
    return {};
}

util::Status BpfScheduler::attach()
{
    if (!skel_ || !pushed_)
        return util::error("load and push a policy before attaching");
    link_ = bpf_map__attach_struct_ops(skel_->maps.llm_sched_ops);
    if (!link_) {
        int err = errno;
        if (err == EBUSY || err == EEXIST)
            return util::error("another sched_ext scheduler is already running (see /sys/kernel/sched_ext/root/ops)");
        return util::error("cannot attach the scheduler: " + errno_text(err));
    }
    return {};
}

void BpfScheduler::detach()
{
    if (link_) {
        bpf_link__destroy(link_);
        link_ = nullptr;
    }
}

util::Status BpfScheduler::set_mark(uint32_t kind, uint32_t id, uint32_t phase)
{
    if (!skel_)
        return util::error("llm_sched is not loaded");
    uint64_t key = LLM_MARK_KEY(kind, id);
    if (phase == LLM_PHASE_NONE) {
        if (bpf_map__delete_elem(skel_->maps.phase_marks, &key, sizeof(key), 0) != 0 && errno != ENOENT)
            return util::error(std::string("cannot clear the mark: ") + std::strerror(errno));
        return {};
    }
    if (bpf_map__update_elem(skel_->maps.phase_marks, &key, sizeof(key), &phase, sizeof(phase), BPF_ANY) != 0)
        return util::error(errno == E2BIG || errno == ENOSPC
                               ? "the scheduler holds " + std::to_string(LLM_MAX_MARKS) + " marks already"
                               : std::string("cannot set the mark: ") + std::strerror(errno));
    return {};
}

uint64_t BpfScheduler::hotplug_seq() const
{
    return skel_ ? __atomic_load_n(&skel_->bss->hotplug_seq, __ATOMIC_ACQUIRE) : 0;
}

void BpfScheduler::set_offline(const std::set<unsigned>& online, unsigned nr_possible)
{
    if (!skel_)
        return;
    for (unsigned cpu = 0; cpu < nr_possible && cpu < LLM_MAX_CPUS; ++cpu)
        __atomic_store_n(&skel_->bss->cpu_hotplug_state[cpu], static_cast<int8_t>(online.count(cpu) ? 0 : -1),
                         __ATOMIC_RELAXED);
}

std::set<unsigned> BpfScheduler::online_cpus(std::set<unsigned> from_sysfs) const
{
    if (!skel_)
        return from_sysfs;
    for (unsigned cpu = 0; cpu < LLM_MAX_CPUS; ++cpu) {
        int8_t st = __atomic_load_n(&skel_->bss->cpu_hotplug_state[cpu], __ATOMIC_ACQUIRE);
        if (st < 0)
            from_sysfs.erase(cpu);
        else if (st > 0)
            from_sysfs.insert(cpu);
    }
    return from_sysfs;
}

std::optional<ExitRecord> BpfScheduler::exit_record() const
{
    if (!skel_)
        return std::nullopt;
    const auto& ei = skel_->bss->exit_info;
    int32_t kind = __atomic_load_n(&ei.kind, __ATOMIC_ACQUIRE);
    if (kind == 0)
        return std::nullopt;
    ExitRecord r;
    r.kind = kind;
    r.code = ei.exit_code;
    r.reason.assign(ei.reason, strnlen(ei.reason, sizeof(ei.reason)));
    r.msg.assign(ei.msg, strnlen(ei.msg, sizeof(ei.msg)));
    r.dump.assign(ei.dump, strnlen(ei.dump, sizeof(ei.dump)));
    return r;
}

llm_sched_stats BpfScheduler::read_sched_stats() const
{
    llm_sched_stats total{};
    if (!skel_)
        return total;
    int ncpu = libbpf_num_possible_cpus();
    std::vector<llm_sched_stats> vals(static_cast<size_t>(ncpu > 0 ? ncpu : 1));
    uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.sched_stats), &key, vals.data()) == 0)
        for (const auto& v : vals)
            add_sched_stats(total, v);
    return total;
}

uint32_t BpfScheduler::kernel_features() const
{
    return skel_ ? __atomic_load_n(&skel_->bss->kernel_features, __ATOMIC_RELAXED) : 0;
}

uint64_t BpfScheduler::torn_reads() const
{
    return skel_ ? __atomic_load_n(&skel_->bss->torn_reads, __ATOMIC_RELAXED) : 0;
}

std::vector<ClassStats> BpfScheduler::read_stats(uint32_t nr_classes) const
{
    if (!skel_)
        return {};
    return read_class_stats(bpf_map__fd(skel_->maps.class_stats), nr_classes);
}

}  // namespace llm::sched
