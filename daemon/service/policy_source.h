// Reads a policy file and turns it into a validated, compiled policy, or a
// complete list of what is wrong with it. Nothing here changes the system.
#pragma once

#include <optional>
#include <string>

#include "policy/compiler.h"
#include "policy/diagnostics.h"
#include "policy/machine.h"
#include "policy/policy.h"

namespace llm::service {

struct LoadedPolicy {
    policy::Policy policy;
    policy::CompiledPolicy compiled;
    size_t content_hash = 0;  // of the file's bytes, to skip reloads of unchanged files
};

// Hash of the file's bytes (as in LoadedPolicy::content_hash); nullopt if unreadable.
std::optional<size_t> policy_file_hash(const std::string& path);

// On failure returns nullopt; *report holds one line per problem.
std::optional<LoadedPolicy> load_policy_file(const std::string& path, const policy::Machine& machine,
                                             uint64_t generation, std::string* report);

// Resolves "/llm.slice/train" against the cgroup2 mount at /sys/fs/cgroup.
std::optional<policy::CgroupRef> resolve_cgroup(const std::string& path);

}  // namespace llm::service
