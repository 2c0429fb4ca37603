// SPDX-License-Identifier: GPL-2.0-only
#include "memory/host_mountinfo.h"

#include "util/read_file.h"

namespace llm::memory {

std::string host_mountinfo()
{
    int err = 0;
    if (auto text = util::read_file("/proc/1/mountinfo", &err))
        return *text;
    return util::read_file("/proc/self/mountinfo", &err).value_or("");
}

}  // namespace llm::memory
