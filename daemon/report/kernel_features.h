// SPDX-License-Identifier: GPL-2.0-only
// What the running kernel's sched_ext offers, as the BPF program found it
// at ops.init (intf.h's llm_kernel_feature bits), told in words for `status`
// and the attach log. Pure: bits in, text out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llm::report {

struct KernelFeatures {
    uint32_t bits = 0;
};

// Kfunc generation in words: "6.12 (scx_bpf_dispatch, consume, dispatch_from_dsq)" and so on.
[[nodiscard]] std::string kfunc_generation(const KernelFeatures& f);
// What this kernel cannot do that a newer one can, one line each; empty on 7.x.
[[nodiscard]] std::vector<std::string> degraded_features(const KernelFeatures& f);
[[nodiscard]] nlohmann::json to_json(const KernelFeatures& f);

}  // namespace llm::report
