// SPDX-License-Identifier: GPL-2.0-only
// Command line of llm-schedd. Pure: parse() never touches the system.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace llm::service {

struct Options {
    std::string config;
    bool check = false;           // validate, print the plan, exit
    bool allow_unsafe_config = false;  // skip the owner and mode checks (tests)
    bool example = false;         // print an example policy, exit
    bool writable_paths = false;  // print the unit's ReadWritePaths=, exit
    bool version = false;
    bool help = false;
    std::string log_level = "info";
    std::string socket = "/run/llm-schedd/control.sock";
    std::string state_dir = "/run/llm-schedd/state";  // originals of changed settings
    double stats_interval_s = 0;  // 0: no periodic stats in the log
};

// Returns the options, or an error message for the user. CLI11 parses
// (GNU style: "--name value" or "--name=value").
[[nodiscard]] util::Result<Options> parse_options(const std::vector<std::string>& args);

// --help's text, from the same description the parser uses.
[[nodiscard]] std::string usage_text();

}  // namespace llm::service
