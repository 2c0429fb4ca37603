// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: text the daemon reads from the kernel and compares with
// the policy: /proc/self/mountinfo lines and sysfs knob values. The kernel is
// trusted, but another mount namespace's paths (spaces, escapes, odd option
// strings) end up here.
#include <cstdint>
#include <string>

#include "plan/hugetlbfs_plan.h"
#include "plan/knob_plan.h"

using namespace llm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    policy::HugetlbfsMount want;
    want.path = "/dev/hugepages";
    if (auto e = memory::mount_at(text, want.path)) {
        (void)memory::super_option(*e, "pagesize");
        (void)memory::mount_mismatch(*e, want);
    }
    for (auto f : {memory::Format::Number, memory::Format::Choice, memory::Format::LruGen, memory::Format::Pool})
        (void)memory::normalize(f, text);
    return 0;
}
