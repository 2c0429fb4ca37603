// SPDX-License-Identifier: GPL-2.0-only
// Notices changes to the policy file through inotify on its directory, so
// that saves by atomic rename (write a temporary file, rename it over the
// policy) are seen as well as writes in place. The daemon debounces and
// compares contents before reloading; this class only says "maybe changed".
#pragma once

#include <optional>
#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace llm::service {

class ConfigWatch {
public:
    [[nodiscard]] static util::Result<ConfigWatch> open(const std::string& config_path);
    [[nodiscard]] int fd() const { return fd_.get(); }
    // Reads every queued event; true when one may have changed the file.
    bool drain();

private:
    ConfigWatch() = default;
    util::UniqueFd fd_;
    std::string name_;  // the file's name inside the watched directory
    bool follow_any_name_ = false;  // the policy is a symlink
};

}  // namespace llm::service
