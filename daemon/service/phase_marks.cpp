// SPDX-License-Identifier: GPL-2.0-only
#include "service/phase_marks.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <spdlog/spdlog.h>
#include <sstream>

#include "llm_schedd/intf.h"

namespace llm::service {
namespace {

constexpr auto kClientTimeout = std::chrono::milliseconds(1000);
constexpr size_t kMaxWaiting = 64;
constexpr unsigned kPidfdThread = 0x80;  // PIDFD_THREAD (O_EXCL), Linux 6.9

util::UniqueFd open_pidfd(const control::MarkRequest& r)
{
    int fd = static_cast<int>(syscall(SYS_pidfd_open, r.id, r.process ? 0u : kPidfdThread));
    return util::UniqueFd(fd);
}

// A pidfd reads as ready once its task has exited.
bool gone(const util::UniqueFd& pidfd)
{
    if (!pidfd)
        return false;
    pollfd p{pidfd.get(), POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

util::Result<control::TaskOwner> read_owner(uint32_t id)
{
    std::ifstream f("/proc/" + std::to_string(id) + "/status");
    if (!f)
        return util::error("no thread or process " + std::to_string(id));
    control::TaskOwner o;
    bool uid = false, tgid = false;
    for (std::string line; std::getline(f, line);) {
        std::istringstream in(line);
        std::string key;
        in >> key;
        if (key == "Tgid:")
            tgid = static_cast<bool>(in >> o.tgid);
        else if (key == "Uid:")
            uid = static_cast<bool>(in >> o.real_uid >> o.effective_uid);
    }
    if (!uid || !tgid)
        return util::error("cannot read who owns " + std::to_string(id));
    return o;
}

uint32_t kind_of(const control::MarkRequest& r) { return r.process ? LLM_MARK_PROCESS : LLM_MARK_THREAD; }

}  // namespace

PhaseMarks::PhaseMarks() : pending_("\n", control::kMaxMarkRequestBytes, kClientTimeout, kMaxWaiting) {}

util::Status PhaseMarks::open(const std::string& socket_path)
{
    auto s = control::ControlSocket::open(socket_path, std::nullopt);
    if (!s)
        return util::error(s.error());
    if (auto st = s->make_public(); !st)
        return st;
    socket_.emplace(std::move(*s));
    return {};
}

void PhaseMarks::add_pollfds(std::vector<pollfd>& out) const
{
    if (socket_)
        out.push_back({socket_->fd(), POLLIN, 0});
    pending_.add_pollfds(out);
}

util::Status PhaseMarks::mark(const control::MarkRequest& r, uint32_t peer_uid, Supervisor& sup)
{
    const std::string what = std::string(r.process ? "process " : "thread ") + std::to_string(r.id);
    auto pidfd = open_pidfd(r);
    if (!pidfd && errno == ESRCH)
        return util::error("no " + what);
    if (!pidfd && errno == EINVAL && r.process)
        return util::error(what + " is not a process (a thread's id?): use --tid for one thread");
    auto owner = read_owner(r.id);
    if (!owner)
        return util::error(owner.error());
    if (auto denied = control::authorize_mark(r, peer_uid, *owner))
        return util::error(*denied);
    uint64_t key = LLM_MARK_KEY(kind_of(r), r.id);
    if (r.phase != LLM_PHASE_NONE && !held_.count(key) && held_.size() >= kMaxHeld)
        return util::error("llm-schedd holds " + std::to_string(kMaxHeld) +
                           " marks set through it already; clear some (phase none) first");
    if (auto st = sup.set_mark(kind_of(r), r.id, r.phase); !st)
        return st;
    // Checked after the mark, so a pid that was reused meanwhile is caught.
    if (gone(pidfd)) {
        (void)sup.set_mark(kind_of(r), r.id, LLM_PHASE_NONE);  // best effort: it is gone either way
        held_.erase(key);
        return util::error(what + " exited");
    }
    if (r.phase == LLM_PHASE_NONE)
        held_.erase(key);
    else
        held_[key] = Held{r, std::move(pidfd)};
    return {};
}

std::string PhaseMarks::answer(const control::Peer& peer, const std::optional<std::string>& line,
                               const std::string& read_error, Supervisor& sup)
{
    nlohmann::json reply;
    auto req = line ? control::parse_mark_request(*line) : util::Result<control::MarkRequest>(util::error(read_error));
    util::Status st = req ? mark(*req, peer.uid, sup) : util::Status(util::error(req.error()));
    if (st) {
        ++served_;
        reply = {{"ok", true}};
    } else {
        ++refused_;
        spdlog::debug("phase socket: refused a mark from uid {} (pid {}): {}", peer.uid, peer.pid, st.error());
        reply = {{"ok", false}, {"error", st.error()}};
    }
    return reply.dump() + "\n";
}

void PhaseMarks::forget_gone()
{
    for (auto it = held_.begin(); it != held_.end();)
        it = gone(it->second.pidfd) ? held_.erase(it) : std::next(it);
}

void PhaseMarks::serve(Supervisor& sup)
{
    auto now = Clock::now();
    if (socket_)
        while (auto conn = socket_->accept())
            pending_.add(std::move(conn->fd), conn->peer, now);
    pending_.service(now, [&](const control::Peer& peer, const std::optional<std::string>& line,
                              const std::string& error) { return answer(peer, line, error, sup); });
    if (sup.attaches() != attaches_seen_ && sup.attached()) {
        attaches_seen_ = sup.attaches();
        forget_gone();
        size_t failed = 0;
        for (const auto& [key, h] : held_)
            if (!sup.set_mark(kind_of(h.request), h.request.id, h.request.phase))
                ++failed;
        if (!held_.empty())
            spdlog::info("phase marks: {} set again after the attach{}", held_.size() - failed,
                         failed ? " (" + std::to_string(failed) + " failed)" : "");
    }
    if (now - last_sweep_ > std::chrono::seconds(1)) {
        last_sweep_ = now;
        forget_gone();
    }
}

nlohmann::json PhaseMarks::status_json() const
{
    return {{"socket", socket_ ? socket_->path() : "off"},
            {"held", held_.size()},
            {"served", served_},
            {"refused", refused_}};
}

}  // namespace llm::service
