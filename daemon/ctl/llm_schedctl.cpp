// SPDX-License-Identifier: GPL-2.0-only
// llm-schedctl: look at and steer the running llm-schedd.
//
//   llm-schedctl [--socket PATH] status [--json]
//   llm-schedctl [--socket PATH] stats [--json | --prometheus] [--watch [SEC]]
//   llm-schedctl [--socket PATH] reload [--json]
//   llm-schedctl task TID... [--json]
//   llm-schedctl phase forward|backward|none [--tid TID | --pid PID | --process] [-- COMMAND [ARGS...]]
//
// status, stats and reload ask the daemon over its control socket, which
// decides who may do what (root; the policy's control group for reading).
// task reads the scheduler's per-task BPF storage directly (root).
// phase marks this thread or process through the kernel's timer-slack
// interface (include/llm_schedd/phase.h); another thread or process of the
// caller's own through the daemon's phase socket, which checks the owner.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "control/client.h"
#include "llm_schedd/phase.h"
#include "sched/loaded_maps.h"
#include "report/stats_report.h"

namespace {

using namespace llm;

const char* kUsage =
    "usage: llm-schedctl [--socket PATH] status [--json]\n"
    "       llm-schedctl [--socket PATH] stats [--json | --prometheus] [--watch [SEC]]\n"
    "       llm-schedctl [--socket PATH] reload [--json]\n"
    "       llm-schedctl [--socket PATH] verify [--json]\n"
    "       llm-schedctl task TID... [--json]\n"
    "       llm-schedctl phase forward|backward|none [--tid TID | --pid PID | --process] [-- COMMAND [ARGS...]]\n";

int usage_error(const std::string& msg)
{
    std::fprintf(stderr, "llm-schedctl: %s\n%s", msg.c_str(), kUsage);
    return 2;
}

std::string g_socket = control::kDefaultSocket;

std::optional<sched::LoadedMaps> open_maps()
{
    auto maps = sched::LoadedMaps::find();
    if (!maps) {
        std::fprintf(stderr, "llm-schedctl: %s\n", maps.error().c_str());
        return std::nullopt;
    }
    return std::optional<sched::LoadedMaps>(std::move(*maps));
}

// One request to the daemon; prints why on failure.
std::optional<nlohmann::json> ask(control::Command c, control::Format f = control::Format::Json)
{
    auto reply = control::call_daemon(g_socket, control::Request{c, f}, 10'000);
    if (!reply) {
        std::fprintf(stderr, "llm-schedctl: %s\n", reply.error().c_str());
        return std::nullopt;
    }
    if (!reply->value("ok", false)) {
        std::fprintf(stderr, "llm-schedctl: %s\n", reply->value("error", std::string("the daemon refused")).c_str());
        return std::nullopt;
    }
    return std::move(reply).value();
}

int cmd_status(bool json)
{
    auto r = ask(control::Command::Status);
    if (!r)
        return 1;
    if (json) {
        std::printf("%s\n", r->dump(2).c_str());
        return 0;
    }
    const auto& s = (*r)["scheduler"];
    std::printf("llm-schedd %s, pid %d, up %llds, policy %s\n", r->value("version", "?").c_str(), r->value("pid", 0),
                r->value("uptime_s", 0LL), r->value("config", "?").c_str());
    std::printf("generation %llu live; reloads %llu ok, %llu refused; classes:",
                r->value("generation", 0ULL), (*r)["reloads"].value("ok", 0ULL), (*r)["reloads"].value("refused", 0ULL));
    for (const auto& c : (*r)["classes"])
        std::printf(" %s", c.get<std::string>().c_str());
    if (r->contains("drift")) {
        auto drifted = (*r)["drift"].value("drifted", 0ULL);
        std::printf("\ndrift: %llu of %llu settings differ from the live policy%s", drifted,
                    (*r)["drift"].value("checked", 0ULL), drifted ? " (llm-schedctl verify says which)" : "");
    }
    std::printf("\nscheduler: %s (sched_ext %s%s%s), %llu ejections%s\n",
                s.value("attached", false)   ? "llm_sched attached"
                : !s.value("wanted", true)    ? "off by policy"
                : !s.value("available", true) ? "UNAVAILABLE (no sched_ext in this kernel; memory policy only)"
                : s.value("gave_up", false) ? "GIVEN UP after repeated ejections"
                                            : "NOT attached",
                s.value("sched_ext_state", "?").c_str(), s.value("sched_ext_ops", "").empty() ? "" : ", ops ",
                s.value("sched_ext_ops", "").c_str(), s.value("ejections", 0ULL),
                s.value("last_exit", "").empty() ? "" : ("; last exit: " + s.value("last_exit", "")).c_str());
    if (s.contains("kernel") && s["kernel"].is_object()) {
        std::printf("kernel interface: %s\n", s["kernel"].value("kfuncs", "?").c_str());
        for (const auto& d : s["kernel"].value("degraded", nlohmann::json::array()))
            std::printf("  on this kernel: %s\n", d.get<std::string>().c_str());
    }
    if (r->contains("last_reload")) {
        const auto& l = (*r)["last_reload"];
        std::printf("last reload (%s): %s\n", l.value("trigger", "?").c_str(),
                    l.value("ok", false) ? ("generation " + std::to_string(l.value("generation", 0ULL)) + " live").c_str()
                                         : ("REFUSED:\n" + l.value("error", "")).c_str());
    }
    std::printf("metrics: %s; reload on file change: %s\n", r->value("metrics", "off").c_str(),
                r->value("watching_config", false) ? "on" : "off");
    const auto& mem = (*r)["memory"];
    for (const auto& k : mem.value("knobs", nlohmann::json::array()))
        std::printf("memory: %s = %s (wanted %s, was %s)%s%s\n", k.value("name", "?").c_str(),
                    k.value("now", "?").c_str(), k.value("wanted", "?").c_str(), k.value("original", "?").c_str(),
                    k.value("ok", false) ? "" : "  SHORT/REFUSED ", k.value("error", "").c_str());
    for (const auto& m : mem.value("hugetlbfs", nlohmann::json::array()))
        std::printf("hugetlbfs: %s %s (%s)%s%s\n", m.value("path", "?").c_str(), m.value("action", "?").c_str(),
                    m.value("options", "").c_str(), m.value("error", "").empty() ? "" : "  ERROR ",
                    m.value("error", "").c_str());
    for (const auto& f : mem.value("cgroups", nlohmann::json::array()))
        std::printf("cgroup: %s/%s = %s%s%s\n", f.value("cgroup", "?").c_str(), f.value("file", "?").c_str(),
                    f.value("now", "?").c_str(), f.value("ok", false) ? "" : "  WANTED " ,
                    f.value("ok", false) ? "" : f.value("wanted", "").c_str());
    if (!mem.value("cgroups", nlohmann::json::array()).empty())
        std::printf("placement: %llu processes moved; new processes found by %s\n", mem.value("placed", 0ULL),
                    mem.value("process_events", "?").c_str());
    for (const auto& n : mem.value("notes", nlohmann::json::array()))
        std::printf("note: %s\n", n.get<std::string>().c_str());
    bool healthy = s.value("attached", false) || !s.value("wanted", true) || !s.value("available", true);
    return healthy ? 0 : 1;
}

int cmd_stats(control::Format format, double watch_s)
{
    for (;;) {
        auto r = ask(control::Command::Stats, format);
        if (!r)
            return 1;
        if (watch_s > 0)
            std::printf("\033[H\033[2J");  // redraw in place
        if (format == control::Format::Json) {
            r->erase("ok");
            std::printf("%s\n", r->dump(2).c_str());
        } else {
            std::fputs((*r)["text"].get<std::string>().c_str(), stdout);
        }
        std::fflush(stdout);
        if (watch_s <= 0)
            return 0;
        std::this_thread::sleep_for(std::chrono::duration<double>(watch_s));
    }
}

// Exit 1 when anything drifted: scripts and monitoring can act on it.
int cmd_verify(bool json)
{
    auto r = ask(control::Command::Verify);
    if (!r)
        return 1;
    if (json)
        std::printf("%s\n", r->dump(2).c_str());
    else
        std::fputs(r->value("text", std::string()).c_str(), stdout);
    return r->value("drifted", 0ULL) == 0 ? 0 : 1;
}

int cmd_reload(bool json)
{
    auto r = ask(control::Command::Reload);
    if (!r)
        return 1;
    if (json) {
        std::printf("%s\n", r->dump().c_str());
        return 0;
    }
    std::printf("generation %llu live (tables switched %.3f ms after the request arrived)\n",
                r->value("generation", 0ULL),
                static_cast<double>(r->value("applied_ns", 0ULL) - r->value("received_ns", 0ULL)) / 1e6);
    return 0;
}

// One line per thread, in the order given; a thread without state is
// reported on stderr and makes the exit status 1, the others still print.
int cmd_task(const std::vector<int>& tids, bool json)
{
    auto maps = open_maps();
    if (!maps)
        return 1;
    auto pol = maps->policy();
    int rc = 0;
    for (int tid : tids) {
        auto t = maps->task(tid);
        if (!t || !pol) {
            std::fprintf(stderr, "llm-schedctl: no scheduler state for thread %d (gone, or not on llm_sched)\n", tid);
            rc = 1;
            continue;
        }
        const char* cls = t->class_id < pol->nr_classes ? pol->class_names[t->class_id] : "?";
        const char* phase = llm_phase_name(static_cast<llm_phase>(t->phase));
        if (json) {
            std::printf("{\"tid\": %d, \"class\": \"%s\", \"class_id\": %u, \"phase\": \"%s\", \"ewma_ns\": %llu, "
                        "\"slice_ns\": %llu, \"bursts\": %llu, \"max_wait_ns\": %llu}\n",
                        tid, cls, t->class_id, phase ? phase : "?", static_cast<unsigned long long>(t->ewma_ns),
                        static_cast<unsigned long long>(t->slice_ns), static_cast<unsigned long long>(t->bursts),
                        static_cast<unsigned long long>(t->max_wait_ns));
        } else {
            std::printf("thread %d: class %s, phase %s, burst ewma %s over %llu bursts, slice %s, longest wait %s\n",
                        tid, cls, phase ? phase : "?", sched::human_ns(t->ewma_ns).c_str(),
                        static_cast<unsigned long long>(t->bursts), sched::human_ns(t->slice_ns).c_str(),
                        sched::human_ns(t->max_wait_ns).c_str());
        }
    }
    return rc;
}

std::string phase_socket()
{
    // Beside the control socket, as the daemon opens it.
    auto slash = g_socket.rfind('/');
    return (slash == std::string::npos ? std::string(".") : g_socket.substr(0, slash)) + "/phase.sock";
}

// Through the daemon's phase socket: it checks that the target is the caller's.
int mark_through_daemon(const control::MarkRequest& r, const std::string& phase_name)
{
    auto reply = control::call_phase_socket(phase_socket(), r, 5000);
    const char* what = r.process ? "process" : "thread";
    if (!reply) {
        std::fprintf(stderr, "llm-schedctl: cannot mark %s %u %s: %s\n", what, r.id, phase_name.c_str(),
                     reply.error().c_str());
        return 1;
    }
    if (!reply->value("ok", false)) {
        std::fprintf(stderr, "llm-schedctl: cannot mark %s %u %s: %s\n", what, r.id, phase_name.c_str(),
                     reply->value("error", std::string("refused")).c_str());
        return 1;
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
    int tid = 0, pid = 0;
    bool process = false;
    size_t i = 1;
    for (; i < args.size(); ++i) {
        if ((args[i] == "--tid" || args[i] == "--pid") && i + 1 < args.size()) {
            int id = std::atoi(args[i + 1].c_str());
            if (id <= 0 || args[i + 1].find_first_not_of("0123456789") != std::string::npos)
                return usage_error(args[i] + " takes a " + (args[i] == "--tid" ? "thread" : "process") + " id");
            (args[i] == "--tid" ? tid : pid) = id;
            ++i;
        } else if (args[i] == "--process") {
            process = true;
        } else if (args[i] == "--") {
            ++i;
            break;
        } else {
            return usage_error("unexpected '" + args[i] + "'");
        }
    }
    std::vector<std::string> command(args.begin() + static_cast<long>(i), args.end());
    if ((tid != 0) + (pid != 0) + process > 1)
        return usage_error("give one of --tid, --pid and --process");
    if ((tid || pid) && !command.empty())
        return usage_error("give either --tid/--pid or a command, not both");
    auto ph = static_cast<llm_phase>(phase);
    if (pid)
        return mark_through_daemon({static_cast<uint32_t>(phase), true, static_cast<uint32_t>(pid)}, args[0]);
    if (tid) {
        // Directly where the kernel allows it (the thread itself, or
        // CAP_SYS_NICE over it); otherwise the daemon checks ownership.
        int rc = llm_phase_set_tid(tid, ph);
        if (rc == -EPERM || rc == -EACCES)
            return mark_through_daemon({static_cast<uint32_t>(phase), false, static_cast<uint32_t>(tid)}, args[0]);
        if (rc < 0) {
            std::fprintf(stderr, "llm-schedctl: cannot mark thread %d %s: %s\n", tid, args[0].c_str(),
                         std::strerror(-rc));
            return 1;
        }
        return 0;
    }
    int rc = process ? llm_phase_set_process(ph) : llm_phase_set(ph);
    if (rc < 0) {
        std::fprintf(stderr, "llm-schedctl: cannot mark %s %s: %s\n", process ? "this process" : "this thread",
                     args[0].c_str(), std::strerror(-rc));
        return 1;
    }
    if (command.empty())
        return 0;
    // Both marks outlive execve: the thread and its process stay the same.
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
    if (const char* env = std::getenv("LLM_SCHEDD_SOCKET"))
        g_socket = env;
    if (args.size() >= 2 && args[0] == "--socket") {
        g_socket = args[1];
        args.erase(args.begin(), args.begin() + 2);
    }
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string cmd = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    bool json = !rest.empty() && rest.back() == "--json";
    if (cmd == "status")
        return rest.size() <= 1 && (rest.empty() || json) ? cmd_status(json) : usage_error("status takes --json only");
    if (cmd == "stats") {
        auto format = control::Format::Table;
        double watch_s = 0;
        for (size_t i = 0; i < rest.size(); ++i) {
            if (rest[i] == "--json") {
                format = control::Format::Json;
            } else if (rest[i] == "--prometheus") {
                format = control::Format::Prometheus;
            } else if (rest[i] == "--watch") {
                watch_s = 2;
                if (i + 1 < rest.size() && rest[i + 1].find_first_not_of("0123456789.") == std::string::npos) {
                    watch_s = std::atof(rest[++i].c_str());
                    if (watch_s < 0.1)
                        return usage_error("--watch takes at least 0.1 seconds");
                }
            } else {
                return usage_error("unexpected '" + rest[i] + "' after stats");
            }
        }
        return cmd_stats(format, watch_s);
    }
    if (cmd == "reload")
        return rest.size() <= 1 && (rest.empty() || json) ? cmd_reload(json) : usage_error("reload takes --json only");
    if (cmd == "verify")
        return rest.size() <= 1 && (rest.empty() || json) ? cmd_verify(json) : usage_error("verify takes --json only");
    if (cmd == "task") {
        std::vector<int> tids;
        for (size_t i = 0; i < rest.size() - (json ? 1 : 0); ++i) {
            int tid = std::atoi(rest[i].c_str());
            if (tid <= 0 || rest[i].find_first_not_of("0123456789") != std::string::npos)
                return usage_error("task takes thread ids, not '" + rest[i] + "'");
            tids.push_back(tid);
        }
        if (tids.empty())
            return usage_error("task needs a thread id");
        return cmd_task(tids, json);
    }
    if (cmd == "phase")
        return cmd_phase(rest);
    return usage_error("unknown command '" + cmd + "'");
}
