// SPDX-License-Identifier: GPL-2.0-only
// Applies memory knobs to the running kernel: records each file's original
// value before the first write, writes, reads back, and restores.
//
// The originals live in a JSON file under the daemon's state directory
// (/run/llm-schedd/state), written and synced before any knob changes. A
// daemon started after a crash loads that file and adopts it, so the values
// it finds in the kernel, which are its predecessor's, are never recorded
// as originals.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memory/kernel_files.h"
#include "plan/knob_plan.h"

namespace llm::memory {

struct KnobResult {
    std::string name;
    std::string path;
    std::string wanted;
    std::string got;       // read back after the write
    std::string original;  // what was there before the daemon's first write
    bool ok = false;       // got satisfies wanted
    std::string error;     // the write or read failed: errno text
    unsigned compactions = 0;  // pools: compact-and-retry rounds it took
};

struct ApplyReport {
    std::vector<KnobResult> knobs;
    std::vector<std::string> restored;  // knobs the new plan no longer sets
    std::optional<std::string> fatal;   // a required pool fell short, or a write failed
};

class KnobStore {
public:
    explicit KnobStore(std::string state_dir, KernelFiles& files = host_kernel_files());

    // Loads originals left by a previous daemon; returns how many, or an
    // error. An entry whose path no policy can name, or whose fields have
    // the wrong type, is dropped (and *dropped says which): the file is
    // root's, but it is written back to kernel files, so it is checked.
    [[nodiscard]] util::Status adopt(size_t* adopted, std::vector<std::string>* dropped = nullptr);
    // Makes the kernel match `plan`: records, writes, reads back. Knobs set
    // by an earlier plan and absent from this one go back to their originals.
    // A pool the kernel fills only partly is retried after compacting
    // memory, until it is full or compact_retry_ns has passed.
    ApplyReport apply(const std::vector<Knob>& plan, uint64_t compact_retry_ns = 0);
    // Writes every original back (sysctls last), reads them all back, and
    // forgets them; returns what failed or reads back wrong.
    std::vector<std::string> restore_all();
    [[nodiscard]] const std::map<std::string, std::string>& originals() const { return originals_; }

private:
    [[nodiscard]] util::Status save() const;
    [[nodiscard]] util::Status restore_one(const std::string& path);

    std::string state_file_;
    KernelFiles& files_;
    std::map<std::string, std::string> originals_;  // path -> original value (normalized)
    std::map<std::string, Format> formats_;          // path -> how to write it back
};

}  // namespace llm::memory
