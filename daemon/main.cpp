// SPDX-License-Identifier: GPL-2.0-only
// llm-schedd: loads the llm_sched sched_ext scheduler and applies the JSON
// policy. See README.md for the operator's guide.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "plan/knob_plan.h"
#include "memory/memory_manager.h"
#include "policy/machine.h"
#include "report/check_report.h"
#include "report/example_policy.h"
#include "service/config_trust.h"
#include "service/daemon.h"
#include "service/logging.h"
#include "service/machine_probe.h"
#include "protocol/options.h"
#include "service/policy_source.h"
#include "version.h"

namespace {

int run(int argc, char** argv);

}  // namespace

// Every failure the daemon foresees is a message and an exit status of its
// own; anything else that escapes (a library's exception) is one clear line
// and status 1, never an abort that systemd would restart in a loop.
int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "llm-schedd: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "llm-schedd: internal error (unknown exception)\n");
    }
    return 1;
}

namespace {

int run(int argc, char** argv)
{
    using namespace llm;
    std::vector<std::string> args(argv + 1, argv + argc);
    auto opt = service::parse_options(args);
    if (!opt) {
        std::fprintf(stderr, "llm-schedd: %s\n(llm-schedd --help lists the options)\n", opt.error().c_str());
        return 1;
    }
    if (opt->help) {
        std::fputs(service::usage_text().c_str(), stdout);
        return 0;
    }
    if (opt->version) {
        std::printf("llm-schedd %s\n", kVersion);
        return 0;
    }
    if (opt->example) {
        std::fputs(report::example_policy(service::probe_machine()).c_str(), stdout);
        return 0;
    }
    if (opt->writable_paths) {
        for (const auto& path : memory::unit_writable_paths())
            std::printf("%s\n", path.c_str());
        return 0;
    }
    service::setup_logging(opt->log_level);
    if (opt->check) {
        auto loaded = service::load_policy_file(opt->config, service::probe_machine(), 1);
        if (!loaded) {
            std::fputs(loaded.error().c_str(), stderr);
            return 1;
        }
        // The mount paths as the live system has them: refused paths fail
        // the check, before anything is mounted.
        memory::MemoryManager memory(opt->state_dir, service::probe_machine());
        if (auto s = memory.check(loaded->policy); !s) {
            std::fprintf(stderr, "%s: the policy is valid, but its hugetlbfs mounts cannot be made here:\n%s\n",
                         opt->config.c_str(), s.error().c_str());
            return 1;
        }
        std::printf("%s: OK\n%s", opt->config.c_str(), report::describe_plan(loaded->policy, loaded->compiled).c_str());
        // --check changes nothing, so a draft anywhere is fine; say what the daemon would refuse.
        if (auto untrusted = service::check_config_trust(opt->config, geteuid()))
            std::printf("note: the daemon would refuse this file where it is: %s\n", untrusted->c_str());
        return 0;
    }
    return service::Daemon(*opt).run();
}

}  // namespace
