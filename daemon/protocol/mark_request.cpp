// SPDX-License-Identifier: GPL-2.0-only
#include "protocol/mark_request.h"

#include <nlohmann/json.hpp>

#include "llm_schedd/intf.h"

namespace llm::control {

using nlohmann::json;

util::Result<MarkRequest> parse_mark_request(std::string_view line)
{
    auto fail = [](std::string msg) -> util::Result<MarkRequest> { return util::error(std::move(msg)); };
    const char* example = R"(send e.g. {"phase": "forward", "tid": 1234} or {"phase": "none", "pid": 1200})";
    if (line.size() > kMaxMarkRequestBytes)
        return fail("request too long (over " + std::to_string(kMaxMarkRequestBytes) + " bytes)");
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        return fail(std::string("a request is one JSON object on one line: ") + example);
    for (const auto& [key, value] : j.items())
        if (key != "phase" && key != "tid" && key != "pid")
            return fail("unknown request key \"" + key + "\" (known: phase, tid, pid)");
    MarkRequest r;
    auto ph = j.find("phase");
    const std::string name = ph != j.end() && ph->is_string() ? ph->get<std::string>() : "";
    if (name == "forward")
        r.phase = LLM_PHASE_FORWARD;
    else if (name == "backward")
        r.phase = LLM_PHASE_BACKWARD;
    else if (name == "none")
        r.phase = LLM_PHASE_NONE;
    else
        return fail("\"phase\" must be \"forward\", \"backward\" or \"none\"; " + std::string(example));
    auto tid = j.find("tid"), pid = j.find("pid");
    if ((tid != j.end()) == (pid != j.end()))
        return fail(std::string("give exactly one of \"tid\" and \"pid\"; ") + example);
    const json& id = tid != j.end() ? *tid : *pid;
    if (!id.is_number_unsigned() || id.get<uint64_t>() == 0 || id.get<uint64_t>() > 4'194'304)
        return fail("\"" + std::string(tid != j.end() ? "tid" : "pid") + "\" must be a thread or process id (1 to 4194304)");
    r.process = pid != j.end();
    r.id = static_cast<uint32_t>(id.get<uint64_t>());
    return r;
}

std::string mark_request_line(const MarkRequest& r)
{
    const char* name = r.phase == LLM_PHASE_FORWARD ? "forward" : r.phase == LLM_PHASE_BACKWARD ? "backward" : "none";
    json j = {{"phase", name}, {r.process ? "pid" : "tid", r.id}};
    return j.dump() + "\n";
}

std::optional<std::string> authorize_mark(const MarkRequest& r, uint32_t peer_uid, const TaskOwner& owner)
{
    if (r.process && owner.tgid != r.id)
        return "pid " + std::to_string(r.id) + " is a thread of process " + std::to_string(owner.tgid) +
               ", not a process: use --tid for one thread, or --pid " + std::to_string(owner.tgid);
    if (peer_uid == 0)
        return std::nullopt;
    if (owner.real_uid == peer_uid && owner.effective_uid == peer_uid)
        return std::nullopt;
    return std::string(r.process ? "process " : "thread ") + std::to_string(r.id) + " is not yours (uid " +
           std::to_string(owner.real_uid) +
           (owner.effective_uid != owner.real_uid ? ", effective " + std::to_string(owner.effective_uid) : "") +
           ", you are " + std::to_string(peer_uid) + "): only its owner or root may mark it";
}

}  // namespace llm::control
