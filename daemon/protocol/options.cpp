// SPDX-License-Identifier: GPL-2.0-only
#include "protocol/options.h"

#include <charconv>

namespace llm::service {

const char* const kUsage =
    "usage: llm-schedd --config FILE [--check] [--log-level LEVEL] [--stats-interval SEC] [--socket PATH]\n"
    "                  [--state-dir DIR] [--allow-unsafe-config]\n"
    "       llm-schedd --example | --writable-paths | --version | --help\n"
    "\n"
    "  --config FILE          the JSON policy (see configs/ and `--example`)\n"
    "  --check                validate FILE, print the compiled plan, change nothing\n"
    "  --example              print a complete example policy\n"
    "  --writable-paths       print the kernel paths the daemon writes (the unit's ReadWritePaths=)\n"
    "  --log-level LEVEL      trace, debug, info, warn, error (default info)\n"
    "  --stats-interval SEC   log per-class scheduler stats every SEC seconds\n"
    "  --socket PATH          control socket (default /run/llm-schedd/control.sock)\n"
    "  --state-dir DIR        where original values are saved (default /run/llm-schedd/state)\n"
    "  --allow-unsafe-config  accept a policy file that others than root can write (tests only)\n"
    "  --version              print the version\n";

util::Result<Options> parse_options(const std::vector<std::string>& args)
{
    Options o;
    auto fail = [](const std::string& msg) -> util::Result<Options> { return util::error(msg); };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const std::string& name) -> std::optional<std::string> {
            auto eq = a.find('=');
            if (eq != std::string::npos)
                return a.substr(eq + 1);
            if (i + 1 >= args.size())
                return std::nullopt;
            (void)name;
            return args[++i];
        };
        auto name = a.substr(0, a.find('='));
        if (name == "--config" || name == "-c") {
            auto v = value(name);
            if (!v || v->empty())
                return fail("--config needs a file name");
            o.config = *v;
        } else if (name == "--check") {
            o.check = true;
        } else if (name == "--allow-unsafe-config") {
            o.allow_unsafe_config = true;
        } else if (name == "--example") {
            o.example = true;
        } else if (name == "--writable-paths") {
            o.writable_paths = true;
        } else if (name == "--version" || name == "-V") {
            o.version = true;
        } else if (name == "--help" || name == "-h") {
            o.help = true;
        } else if (name == "--log-level") {
            auto v = value(name);
            static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
            bool ok = false;
            for (auto* l : levels)
                ok = ok || (v && *v == l);
            if (!ok)
                return fail("--log-level takes one of trace, debug, info, warn, error, critical, off");
            o.log_level = *v;
        } else if (name == "--socket") {
            auto v = value(name);
            if (!v || v->empty() || v->front() != '/')
                return fail("--socket needs an absolute path");
            o.socket = *v;
        } else if (name == "--state-dir") {
            auto v = value(name);
            if (!v || v->empty() || v->front() != '/')
                return fail("--state-dir needs an absolute path");
            o.state_dir = *v;
        } else if (name == "--stats-interval") {
            auto v = value(name);
            double s = -1;
            if (v) {
                auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), s);
                if (ec != std::errc{} || p != v->data() + v->size())
                    s = -1;
            }
            if (s < 0 || s > 86400)
                return fail("--stats-interval takes a number of seconds from 0 to 86400");
            o.stats_interval_s = s;
        } else {
            return fail("unknown argument '" + a + "'");
        }
    }
    if (!o.example && !o.writable_paths && !o.version && !o.help && o.config.empty())
        return fail("--config FILE is required");
    return o;
}

}  // namespace llm::service
