// SPDX-License-Identifier: GPL-2.0-only
#include "protocol/options.h"

#include <CLI/CLI.hpp>

namespace llm::service {

namespace {

// An absolute path: the daemon runs with / as its working directory.
const CLI::Validator kAbsolutePath(
    [](std::string& v) { return !v.empty() && v.front() == '/' ? std::string() : "needs an absolute path"; },
    "ABSOLUTE PATH");

// The parser and --help come from one description; the only state is `o`.
void describe(CLI::App& app, Options& o)
{
    app.description("llm-schedd: the llm_sched sched_ext scheduler and the memory policy of an LLM host.\n"
                    "Run as a service with --config FILE; --check validates FILE and changes nothing.");
    app.footer("See llm-schedd(8) and llm-schedd.policy(5).\n");
    app.set_help_flag("-h,--help", "print this help");
    app.add_option("--config", o.config, "the JSON policy (see configs/ and --example)")->type_name("FILE");
    app.add_flag("--check", o.check, "validate FILE, print the compiled plan, change nothing");
    app.add_flag("--example", o.example, "print a complete example policy, fitted to this machine");
    app.add_flag("--writable-paths", o.writable_paths,
                 "print the kernel paths the daemon writes (the unit's ReadWritePaths=)");
    app.add_option("--log-level", o.log_level, "how much to log (default info)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->type_name("LEVEL");
    app.add_option("--stats-interval", o.stats_interval_s, "log per-class scheduler stats every SEC seconds")
        ->check(CLI::Range(0.0, 86400.0))
        ->type_name("SEC");
    app.add_option("--socket", o.socket, "control socket (default /run/llm-schedd/control.sock)")
        ->check(kAbsolutePath)
        ->type_name("PATH");
    app.add_option("--state-dir", o.state_dir, "where original values are saved (default /run/llm-schedd/state)")
        ->check(kAbsolutePath)
        ->type_name("DIR");
    app.add_flag("--allow-unsafe-config", o.allow_unsafe_config,
                 "accept a policy file that others than root can write (tests only)");
    app.add_flag("-V,--version", o.version, "print the version");
}

}  // namespace

std::string usage_text()
{
    Options o;
    CLI::App app{"", "llm-schedd"};
    describe(app, o);
    return app.help();
}

util::Result<Options> parse_options(const std::vector<std::string>& args)
{
    Options o;
    CLI::App app{"", "llm-schedd"};
    describe(app, o);
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        o.help = true;
        return o;
    } catch (const CLI::ParseError& e) {
        return util::error(e.what());
    }
    if (!o.example && !o.writable_paths && !o.version && !o.help && o.config.empty())
        return util::error("--config FILE is required");
    return o;
}

}  // namespace llm::service
