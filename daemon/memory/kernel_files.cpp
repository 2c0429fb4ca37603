// SPDX-License-Identifier: GPL-2.0-only
#include "memory/kernel_files.h"

#include <cstring>

#include "util/read_file.h"
#include "util/state_file.h"

namespace llm::memory {
namespace {

class HostKernelFiles final : public KernelFiles {
public:
    util::Result<std::string> read(const std::string& path) override
    {
        int err = 0;
        auto text = util::read_file(path, &err);
        if (!text)
            return util::error("cannot read " + path + ": " + std::strerror(err));
        return *text;
    }
    util::Status write(const std::string& path, const std::string& value) override
    {
        return util::write_kernel_file(path, value);
    }
};

}  // namespace

KernelFiles& host_kernel_files()
{
    static HostKernelFiles files;
    return files;
}

}  // namespace llm::memory
