// llm-schedctl: look at and steer the running llm_sched scheduler.
//
//   llm-schedctl status
//   llm-schedctl stats [--json]
//   llm-schedctl task TID [--json]
//   llm-schedctl phase forward|backward|none [--tid TID] [-- COMMAND [ARGS...]]
//
// status, stats and task read the loaded scheduler's BPF maps (root).
// phase marks threads through the kernel's timer-slack interface, which
// itself enforces who may mark whom (see include/llm_schedd/phase.h).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "llm_schedd/phase.h"
#include "sched/loaded_maps.h"
#include "sched/sched_ext_sysfs.h"
#include "sched/stats_report.h"

namespace {

using namespace llm;

const char* kUsage =
    "usage: llm-schedctl status\n"
    "       llm-schedctl stats [--json]\n"
    "       llm-schedctl task TID [--json]\n"
    "       llm-schedctl phase forward|backward|none [--tid TID] [-- COMMAND [ARGS...]]\n";

int usage_error(const std::string& msg)
{
    std::fprintf(stderr, "llm-schedctl: %s\n%s", msg.c_str(), kUsage);
    return 2;
}

std::optional<sched::LoadedMaps> open_maps()
{
    std::string err;
    auto maps = sched::LoadedMaps::find(&err);
    if (!maps)
        std::fprintf(stderr, "llm-schedctl: %s\n", err.c_str());
    return maps;
}

std::vector<sched::ClassReport> class_reports(const sched::LoadedMaps& maps, const llm_policy& pol)
{
    auto stats = maps.stats(pol.nr_classes);
    std::vector<sched::ClassReport> rows;
    for (uint32_t k = 0; k < stats.size(); ++k)
        rows.push_back({pol.class_names[k], pol.classes[k].priority, stats[k].total, stats[k].per_cpu});
    return rows;
}

int cmd_status()
{
    auto st = sched::read_sched_ext_status();
    if (!st.available) {
        std::printf("sched_ext: not in this kernel\n");
        return 1;
    }
    std::printf("sched_ext: %s%s%s\n", st.state.c_str(), st.ops.empty() ? "" : ", ops ", st.ops.c_str());
    if (st.ops != "llm_sched")
        return 1;
    auto maps = open_maps();
    if (!maps)
        return 1;
    auto pol = maps->policy();
    if (!pol)
        return 1;
    std::printf("policy generation %llu, %u classes, %u rules, starvation guard %s\n",
                static_cast<unsigned long long>(pol->generation), pol->nr_classes, pol->nr_rules,
                sched::human_ns(pol->starvation_ns).c_str());
    return 0;
}

int cmd_stats(bool json)
{
    auto maps = open_maps();
    if (!maps)
        return 1;
    auto pol = maps->policy();
    if (!pol) {
        std::fprintf(stderr, "llm-schedctl: no policy is loaded yet\n");
        return 1;
    }
    auto rows = class_reports(*maps, *pol);
    auto events = sched::read_sched_ext_events();
    if (json) {
        std::printf("%s\n", sched::stats_json(rows, pol->generation, events).dump(2).c_str());
        return 0;
    }
    std::printf("%s", sched::format_stats_table(rows).c_str());
    std::printf("kernel sched_ext events (non-zero):");
    for (const auto& [name, v] : events)
        if (v)
            std::printf(" %s=%llu", name.c_str(), v);
    std::printf("\n");
    return 0;
}

int cmd_task(int tid, bool json)
{
    auto maps = open_maps();
    if (!maps)
        return 1;
    auto t = maps->task(tid);
    auto pol = maps->policy();
    if (!t || !pol) {
        std::fprintf(stderr, "llm-schedctl: no scheduler state for thread %d (gone, or not on llm_sched)\n", tid);
        return 1;
    }
    const char* cls = t->class_id < pol->nr_classes ? pol->class_names[t->class_id] : "?";
    const char* phase = llm_phase_name(static_cast<llm_phase>(t->phase));
    if (json) {
        std::printf("{\"tid\": %d, \"class\": \"%s\", \"class_id\": %u, \"phase\": \"%s\", \"ewma_ns\": %llu, "
                    "\"slice_ns\": %llu, \"bursts\": %llu}\n",
                    tid, cls, t->class_id, phase ? phase : "?", static_cast<unsigned long long>(t->ewma_ns),
                    static_cast<unsigned long long>(t->slice_ns), static_cast<unsigned long long>(t->bursts));
    } else {
        std::printf("thread %d: class %s, phase %s, burst ewma %s over %llu bursts, slice %s\n", tid, cls,
                    phase ? phase : "?", sched::human_ns(t->ewma_ns).c_str(),
                    static_cast<unsigned long long>(t->bursts), sched::human_ns(t->slice_ns).c_str());
    }
    return 0;
}

int cmd_phase(const std::vector<std::string>& args)
{
    if (args.empty())
        return usage_error("phase needs forward, backward or none");
    int phase = llm_phase_parse(args[0].c_str());
    if (phase < 0)
        return usage_error("unknown phase '" + args[0] + "' (forward, backward or none)");
    int tid = 0;
    size_t i = 1;
    for (; i < args.size(); ++i) {
        if (args[i] == "--tid" && i + 1 < args.size()) {
            tid = std::atoi(args[++i].c_str());
            if (tid <= 0)
                return usage_error("--tid takes a thread id");
        } else if (args[i] == "--") {
            ++i;
            break;
        } else {
            return usage_error("unexpected '" + args[i] + "'");
        }
    }
    std::vector<std::string> command(args.begin() + static_cast<long>(i), args.end());
    if (tid && !command.empty())
        return usage_error("give either --tid or a command, not both");
    int rc = tid ? llm_phase_set_tid(tid, static_cast<llm_phase>(phase))
                 : llm_phase_set(static_cast<llm_phase>(phase));
    if (rc < 0) {
        std::fprintf(stderr, "llm-schedctl: cannot mark thread %d %s: %s%s\n", tid ? tid : static_cast<int>(gettid()),
                     args[0].c_str(), std::strerror(-rc),
                     rc == -EPERM ? " (only the thread itself, or a process with CAP_SYS_NICE over it, may mark it)"
                                  : "");
        return 1;
    }
    if (command.empty())
        return 0;
    // The mark is the thread's timer slack, which execve keeps.
    std::vector<char*> argv;
    for (auto& a : command)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "llm-schedctl: cannot run %s: %s\n", argv[0], std::strerror(errno));
    return 127;
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string cmd = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    bool json = rest.size() >= 1 && rest.back() == "--json";
    if (cmd == "status")
        return cmd_status();
    if (cmd == "stats")
        return rest.size() <= 1 && (rest.empty() || json) ? cmd_stats(json) : usage_error("stats takes --json only");
    if (cmd == "task") {
        if (rest.empty() || std::atoi(rest[0].c_str()) <= 0)
            return usage_error("task needs a thread id");
        return cmd_task(std::atoi(rest[0].c_str()), json);
    }
    if (cmd == "phase")
        return cmd_phase(rest);
    return usage_error("unknown command '" + cmd + "'");
}
