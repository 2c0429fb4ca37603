// SPDX-License-Identifier: GPL-2.0-only
#include "sched/grace_period.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

namespace llm::sched {

util::Result<GracePeriod> GracePeriod::create()
{
    util::UniqueFd inner(bpf_map_create(BPF_MAP_TYPE_ARRAY, "llm_gp_inner", 4, 4, 1, nullptr));
    if (!inner) {
        return util::error(std::string("cannot create the grace-period map: ") + std::strerror(errno));
    }
    LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = static_cast<__u32>(inner.get()));
    util::UniqueFd outer(bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "llm_gp_outer", 4, 4, 1, &opts));
    if (!outer) {
        return util::error(std::string("cannot create the grace-period map-in-map: ") + std::strerror(errno));
    }
    return GracePeriod(std::move(outer), std::move(inner));
}

util::Status GracePeriod::wait() const
{
    uint32_t key = 0;
    int fd = inner_.get();
    if (bpf_map_update_elem(outer_.get(), &key, &fd, BPF_ANY) != 0)
        return util::error(std::string("waiting for a grace period failed: ") + std::strerror(errno));
    return {};
}

}  // namespace llm::sched
