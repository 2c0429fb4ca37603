// SPDX-License-Identifier: GPL-2.0-only
// Looks at a hugetlbfs mount path on the live system without following a
// symbolic link anywhere in it, and opens it for mount(2) the same way.
//
// Every lookup walks the path one component at a time from `root` with
// O_PATH | O_NOFOLLOW, so what is checked is what is mounted on: the mount
// goes through /proc/self/fd/N of the directory found, never the path
// string again. `root` is "/" on a host and a temporary directory in the
// unit tests (tests/unit/test_mount_path.cpp).
#pragma once

#include <string>

#include "policy/path_rules.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace llm::memory {

// What `path` (absolute) holds under `root`, and what `mountinfo` says is
// mounted there (matching: hugetlbfs with page size `page_option`, "2M").
[[nodiscard]] util::Result<policy::MountPathFacts> inspect_mount_path(const std::string& root, const std::string& path,
                                                                      const std::string& mountinfo,
                                                                      const std::string& page_option);

// The directory at `path`, as an O_PATH descriptor, found without following
// links; with `create` the last component is made first (mode 0755) and
// *created says whether it was.
[[nodiscard]] util::Result<util::UniqueFd> open_mount_dir(const std::string& root, const std::string& path,
                                                          bool create, bool* created);

// Removes the (empty) directory at `path`, found without following links.
[[nodiscard]] util::Status remove_mount_dir(const std::string& root, const std::string& path);

}  // namespace llm::memory
