// SPDX-License-Identifier: GPL-2.0-only
#include "protocol/request.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace llm::control {

using nlohmann::json;

const char* to_string(Command c)
{
    switch (c) {
    case Command::Status: return "status";
    case Command::Stats: return "stats";
    case Command::Reload: return "reload";
    case Command::Verify: return "verify";
    }
    return "?";
}

const char* to_string(Format f)
{
    switch (f) {
    case Format::Json: return "json";
    case Format::Table: return "table";
    case Format::Prometheus: return "prometheus";
    }
    return "?";
}

bool is_mutating(Command c) { return c == Command::Reload; }

util::Result<Request> parse_request(std::string_view line)
{
    auto fail = [](std::string msg) -> util::Result<Request> { return util::error(std::move(msg)); };
    if (line.size() > kMaxRequestBytes)
        return fail("request too long (over " + std::to_string(kMaxRequestBytes) + " bytes)");
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        return fail(R"(a request is one JSON object on one line, e.g. {"command": "status"})");
    for (const auto& [key, value] : j.items())
        if (key != "command" && key != "format")
            return fail("unknown request key \"" + key + "\" (known: command, format)");
    auto cmd = j.find("command");
    if (cmd == j.end() || !cmd->is_string())
        return fail("the request needs \"command\": one of status, stats, reload, verify");
    Request r;
    const auto& c = cmd->get_ref<const std::string&>();
    if (c == "status")
        r.command = Command::Status;
    else if (c == "stats")
        r.command = Command::Stats;
    else if (c == "reload")
        r.command = Command::Reload;
    else if (c == "verify")
        r.command = Command::Verify;
    else
        return fail("unknown command \"" + c + "\" (known: status, stats, reload, verify)");
    if (auto f = j.find("format"); f != j.end()) {
        const std::string s = f->is_string() ? f->get<std::string>() : "";
        if (s == "json")
            r.format = Format::Json;
        else if (s == "table")
            r.format = Format::Table;
        else if (s == "prometheus")
            r.format = Format::Prometheus;
        else
            return fail("\"format\" must be \"json\", \"table\" or \"prometheus\"");
    }
    return r;
}

std::string request_line(const Request& r)
{
    json j{{"command", to_string(r.command)}, {"format", to_string(r.format)}};
    return j.dump() + "\n";
}

std::optional<std::string> authorize(const Request& r, const Peer& peer, std::optional<uint32_t> control_gid)
{
    if (peer.uid == 0)
        return std::nullopt;
    if (is_mutating(r.command))
        return std::string(to_string(r.command)) + " changes the system and needs root (you are uid " +
               std::to_string(peer.uid) + ")";
    bool member = control_gid && (peer.gid == *control_gid ||
                                  std::find(peer.groups.begin(), peer.groups.end(), *control_gid) != peer.groups.end());
    if (member)
        return std::nullopt;
    return "uid " + std::to_string(peer.uid) + " is neither root nor in the daemon's control group" +
           (control_gid ? "" : " (the policy sets none: daemon.control_group)");
}

}  // namespace llm::control
