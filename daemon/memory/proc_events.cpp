// SPDX-License-Identifier: GPL-2.0-only
#include "memory/proc_events.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace llm::memory {

util::Status ProcEvents::open()
{
    util::UniqueFd fd(::socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR));
    if (!fd)
        return util::error(std::string("netlink connector socket: ") + std::strerror(errno));
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return util::error(std::string("joining the proc connector group: ") + std::strerror(errno) + " (needs CAP_NET_ADMIN)");
    // nlmsghdr | cn_msg | the operation
    alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
    auto* nl = reinterpret_cast<nlmsghdr*>(buf);
    nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
    nl->nlmsg_type = NLMSG_DONE;
    nl->nlmsg_pid = static_cast<__u32>(getpid());
    auto* cn = reinterpret_cast<cn_msg*>(NLMSG_DATA(nl));
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(proc_cn_mcast_op);
    auto op = PROC_CN_MCAST_LISTEN;
    std::memcpy(cn->data, &op, sizeof op);
    if (::send(fd.get(), buf, nl->nlmsg_len, 0) < 0)
        return util::error(std::string("subscribing to process events: ") + std::strerror(errno));
    // The kernel answers the subscription with an acknowledgement event.
    pollfd p{fd.get(), POLLIN, 0};
    bool acked = false;
    for (int i = 0; i < 5 && !acked && ::poll(&p, 1, 100) > 0; ++i) {
        alignas(nlmsghdr) char rbuf[4096];
        ssize_t n = ::recv(fd.get(), rbuf, sizeof rbuf, 0);
        if (n <= 0)
            break;
        for (auto* h = reinterpret_cast<nlmsghdr*>(rbuf); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
            auto* msg = reinterpret_cast<cn_msg*>(NLMSG_DATA(h));
            auto* ev = reinterpret_cast<proc_event*>(msg->data);
            if (msg->id.idx != CN_IDX_PROC || ev->what != proc_event::PROC_EVENT_NONE)
                continue;
            if (ev->event_data.ack.err)
                return util::error(std::string("the kernel refused the process-event subscription: ") +
                       std::strerror(static_cast<int>(ev->event_data.ack.err)) + " (needs CAP_NET_ADMIN)");
            acked = true;
        }
    }
    fd_ = std::move(fd);
    return {};
}

std::vector<uint32_t> ProcEvents::drain(bool* overrun)
{
    std::vector<uint32_t> out;
    *overrun = false;
    alignas(nlmsghdr) char buf[16384];
    for (;;) {
        ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == ENOBUFS) {
                *overrun = true;
                continue;
            }
            break;  // EAGAIN: drained
        }
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
            auto* msg = reinterpret_cast<cn_msg*>(NLMSG_DATA(h));
            if (msg->id.idx != CN_IDX_PROC || msg->id.val != CN_VAL_PROC)
                continue;
            const auto* ev = reinterpret_cast<const proc_event*>(msg->data);
            switch (ev->what) {
            case proc_event::PROC_EVENT_EXEC:
                out.push_back(ev->event_data.exec.process_tgid);
                break;
            case proc_event::PROC_EVENT_COMM:
                // Only the main thread's name decides placement.
                if (ev->event_data.comm.process_pid == ev->event_data.comm.process_tgid)
                    out.push_back(ev->event_data.comm.process_tgid);
                break;
            case proc_event::PROC_EVENT_UID:
                out.push_back(ev->event_data.id.process_tgid);
                break;
            default:
                break;
            }
        }
    }
    return out;
}

}  // namespace llm::memory
