// SPDX-License-Identifier: GPL-2.0-only
// Reads a policy file and turns it into a validated, compiled policy, or a
// complete list of what is wrong with it. Nothing here changes the system.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "policy/compiler.h"
#include "policy/diagnostics.h"
#include "policy/machine.h"
#include "policy/policy.h"
#include "util/result.h"

namespace llm::service {

struct LoadedPolicy {
    policy::Policy policy;
    policy::CompiledPolicy compiled;
    size_t content_hash = 0;  // of the file's bytes, to skip reloads of unchanged files
};

// A policy file is at most this big; a bigger one is refused unread.
inline constexpr size_t kMaxPolicyBytes = 1 << 20;

// Opens the policy once, without following a final symbolic link, checks
// what it opened (a regular file of at most kMaxPolicyBytes; with
// `trusted`, owned by root or that uid and writable by no one else, below
// directories that are too: config_trust.h) and reads that descriptor, so
// what is checked is what is read.
[[nodiscard]] util::Result<std::string> read_policy_file(const std::string& path, std::optional<uid_t> trusted);

// Hash of the file's bytes (as in LoadedPolicy::content_hash); nullopt if unreadable.
std::optional<size_t> policy_file_hash(const std::string& path);

// Text -> a validated, compiled policy, or the report: one line per
// problem, each naming `path`.
[[nodiscard]] util::Result<LoadedPolicy> load_policy_text(const std::string& text, const std::string& path,
                                                          const policy::Machine& machine, uint64_t generation);

// read_policy_file() (no trust check) and load_policy_text().
[[nodiscard]] util::Result<LoadedPolicy> load_policy_file(const std::string& path, const policy::Machine& machine,
                                                          uint64_t generation);

// Resolves "/llm.slice/train" against the cgroup2 mount at /sys/fs/cgroup.
std::optional<policy::CgroupRef> resolve_cgroup(const std::string& path);

}  // namespace llm::service
