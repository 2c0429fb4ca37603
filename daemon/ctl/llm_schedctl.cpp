// SPDX-License-Identifier: GPL-2.0-only
// llm-schedctl: look at and steer the running llm-schedd.
//
//   llm-schedctl [--socket PATH] status [--json]
//   llm-schedctl [--socket PATH] stats [--json | --prometheus] [--watch [SEC]]
//   llm-schedctl [--socket PATH] reload [--json]
//   llm-schedctl [--socket PATH] verify [--json]
//   llm-schedctl task TID... [--json]
//   llm-schedctl phase forward|backward|none [--tid TID | --pid PID | --process] [-- COMMAND [ARGS...]]
//   llm-schedctl stage FILE [--to DIR]
//
// CLI11 parses; `llm-schedctl COMMAND --help` describes each command.
// status, stats, reload and verify ask the daemon over its control socket, which
// decides who may do what (root; the policy's control group for reading).
// task reads the scheduler's per-task BPF storage directly (root).
// phase marks this thread or process through the kernel's timer-slack
// interface (include/llm_schedd/phase.h); another thread or process of the
// caller's own through the daemon's phase socket, which checks the owner.
// stage copies model weights onto a hugetlbfs mount (include/llm_schedd/hugemem.h).
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "control/client.h"
#include "llm_schedd/hugemem.h"
#include "llm_schedd/phase.h"
#include "sched/loaded_maps.h"
#include "report/stats_report.h"

namespace {

using namespace llm;

// Wrong arguments: exit 2, with the one line that says what is wrong.
int usage_error(const std::string& msg)
{
    std::fprintf(stderr, "llm-schedctl: %s\n(llm-schedctl --help lists the commands, llm-schedctl COMMAND --help their options)\n",
                 msg.c_str());
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

// The hugetlbfs mount to stage onto: --to (or $LLM_SCHEDD_HUGETLBFS), else
// the daemon's one mount; with none or several the user must choose.
std::optional<std::string> stage_dir(const std::string& to)
{
    if (!to.empty())
        return to;
    auto reply = control::call_daemon(g_socket, control::Request{control::Command::Status, control::Format::Json}, 10'000);
    std::vector<std::string> mounts;
    if (reply && reply->value("ok", false))
        for (const auto& m : reply->value("/memory/hugetlbfs"_json_pointer, nlohmann::json::array()))
            if (m.value("error", std::string()).empty())
                mounts.push_back(m.value("path", std::string()));
    if (mounts.size() == 1)
        return mounts.front();
    std::fprintf(stderr, "llm-schedctl: stage: %s; give the mount with --to DIR (or $LLM_SCHEDD_HUGETLBFS)\n",
                 !reply ? ("cannot ask the daemon for its hugetlbfs mount (" + reply.error() + ")").c_str()
                 : mounts.empty() ? "the daemon has no hugetlbfs mount (the policy's memory.hugetlbfs)"
                                  : "the daemon has several hugetlbfs mounts");
    return std::nullopt;
}

int cmd_stage(const std::string& file, const std::string& to)
{
    auto dir = stage_dir(to);
    if (!dir)
        return 1;
    char staged[4096];
    int rc = llm_hugemem_stage(file.c_str(), dir->c_str(), staged, sizeof staged);
    if (rc < 0) {
        std::string why = std::strerror(-rc);
        if (rc == -ENOTSUP)
            why = *dir + " is not a hugetlbfs mount";
        else if (rc == -ENOMEM)
            why = "the hugetlb pool (or the mount's size) is too small for it: raise the policy's hugetlb pages "
                  "(grep Huge /proc/meminfo shows what is free)";
        else if (rc == -EINVAL)
            why = "not a non-empty regular file";
        else if (rc == -EAGAIN)
            why = "the file changed while it was copied; run stage again";
        std::fprintf(stderr, "llm-schedctl: stage %s onto %s: %s (nothing was left there)\n", file.c_str(),
                     dir->c_str(), why.c_str());
        return 1;
    }
    std::printf("%s%s\n", staged, rc == 1 ? " (already staged)" : "");
    return 0;
}

int cmd_phase(const std::string& name, int tid, int pid, bool process, std::vector<std::string> command,
              bool dashdash)
{
    int phase = llm_phase_parse(name.c_str());
    if (phase < 0)
        return usage_error("unknown phase '" + name + "' (forward, backward or none)");
    if ((tid || pid) && dashdash)
        return usage_error("give either --tid/--pid or a command, not both");
    if (dashdash && command.empty())
        return usage_error("-- needs a command to run");
    auto ph = static_cast<llm_phase>(phase);
    if (pid)
        return mark_through_daemon({static_cast<uint32_t>(phase), true, static_cast<uint32_t>(pid)}, name);
    if (tid) {
        // Directly where the kernel allows it (the thread itself, or
        // CAP_SYS_NICE over it); otherwise the daemon checks ownership.
        int rc = llm_phase_set_tid(tid, ph);
        if (rc == -EPERM || rc == -EACCES)
            return mark_through_daemon({static_cast<uint32_t>(phase), false, static_cast<uint32_t>(tid)}, name);
        if (rc < 0) {
            std::fprintf(stderr, "llm-schedctl: cannot mark thread %d %s: %s\n", tid, name.c_str(),
                         std::strerror(-rc));
            return 1;
        }
        return 0;
    }
    int rc = process ? llm_phase_set_process(ph) : llm_phase_set(ph);
    if (rc < 0) {
        std::fprintf(stderr, "llm-schedctl: cannot mark %s %s: %s\n", process ? "this process" : "this thread",
                     name.c_str(), std::strerror(-rc));
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
    // `phase ... -- COMMAND ARGS`: what follows "--" is the command, never options.
    std::vector<std::string> command;
    bool dashdash = false;
    if (auto dd = std::find(args.begin(), args.end(), "--"); dd != args.end()) {
        command.assign(dd + 1, args.end());
        args.erase(dd, args.end());
        dashdash = true;
    }

    CLI::App app{"llm-schedctl: look at and steer the running llm-schedd.", "llm-schedctl"};
    app.footer("See llm-schedctl(8).\n");
    app.set_help_flag("-h,--help", "print this help");
    app.require_subcommand(1, 1);
    app.add_option("--socket", g_socket, "the daemon's control socket (default /run/llm-schedd/control.sock)")
        ->envname("LLM_SCHEDD_SOCKET")
        ->type_name("PATH");
    auto json_flag = [](CLI::App* sub, bool& json) { sub->add_flag("--json", json, "print JSON"); };
    const CLI::Validator id_number(
        [](std::string& v) {
            bool digits = !v.empty() && v.size() < 10 && v.find_first_not_of("0123456789") == std::string::npos;
            return digits && std::stol(v) > 0 ? std::string() : "ids are positive numbers, not '" + v + "'";
        },
        "ID");

    bool json = false;
    auto* status = app.add_subcommand("status", "the live generation, the scheduler, the memory side, drift");
    json_flag(status, json);

    auto* stats = app.add_subcommand("stats", "per-class runtime, waits, preemptions, rescues, phase migrations");
    bool stats_json = false, prometheus = false;
    double watch_s = 0;
    auto* sj = stats->add_flag("--json", stats_json, "print JSON");
    stats->add_flag("--prometheus", prometheus, "print the Prometheus text exposition")->excludes(sj);
    stats->add_option("--watch", watch_s, "print again every SEC seconds (2 when SEC is left out)")
        ->expected(0, 1)
        ->default_str("2")
        ->check(CLI::Range(0.1, 86400.0))
        ->type_name("[SEC]");

    auto* reload = app.add_subcommand("reload", "reload the policy file now; exit 1 if it was refused");
    json_flag(reload, json);
    auto* verify = app.add_subcommand("verify", "compare the host with the live policy; exit 1 on drift");
    json_flag(verify, json);

    auto* task = app.add_subcommand("task", "a thread's class, phase, fitted slice and run history (root)");
    std::vector<int> tids;
    task->add_option("TID", tids, "thread ids")->required()->check(id_number);
    json_flag(task, json);

    auto* phase = app.add_subcommand("phase", "mark a training phase: this thread, a process, or a command");
    phase->footer("\nphase PHASE [--process] -- COMMAND [ARGS...] marks this thread (or process) and runs COMMAND\n"
                  "in it: the mark outlives exec.\n");
    std::string phase_name;
    int tid = 0, pid = 0;
    bool process = false;
    phase->add_option("PHASE", phase_name, "forward, backward or none")
        ->required()
        ->check(CLI::IsMember({"forward", "backward", "none"}));
    auto* t = phase->add_option("--tid", tid, "another thread (the caller's own, checked by the daemon)")
                  ->check(id_number);
    auto* p = phase->add_option("--pid", pid, "another process, every thread of it")->check(id_number)->excludes(t);
    phase->add_flag("--process", process, "this whole process, threads created later included")->excludes(t)->excludes(p);

    auto* stage = app.add_subcommand("stage", "copy model weights onto hugetlbfs; print the path to load them from");
    stage->footer("\nThe copy's length is rounded up to whole huge pages with zeros (GGUF readers ignore them).\n"
                  "A copy already there with the same length and modification time is kept.\n");
    std::string stage_file, stage_to;
    stage->add_option("FILE", stage_file, "the model file")->required()->check(CLI::ExistingFile);
    stage->add_option("--to", stage_to, "the hugetlbfs mount (default: the daemon's only one)")
        ->envname("LLM_SCHEDD_HUGETLBFS")
        ->type_name("DIR");

    // CLI11 would say only "A subcommand is required" for a misspelt one.
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--socket") {
            ++i;
        } else if (args[i].empty() || args[i][0] != '-') {
            bool known = false;
            for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; }))
                known = known || sub->get_name() == args[i];
            if (!known)
                return usage_error("unknown command '" + args[i] + "' (status, stats, reload, verify, task, phase, stage)");
            break;
        }
    }
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }
    if (dashdash && !phase->parsed())
        return usage_error("only phase takes -- COMMAND");
    if (status->parsed())
        return cmd_status(json);
    if (stats->parsed()) {
        auto format = stats_json ? control::Format::Json : prometheus ? control::Format::Prometheus : control::Format::Table;
        return cmd_stats(format, stats->count("--watch") ? watch_s : 0);
    }
    if (reload->parsed())
        return cmd_reload(json);
    if (verify->parsed())
        return cmd_verify(json);
    if (task->parsed())
        return cmd_task(tids, json);
    if (stage->parsed())
        return cmd_stage(stage_file, stage_to);
    return cmd_phase(phase_name, tid, pid, process, std::move(command), dashdash);
}
