// SPDX-License-Identifier: GPL-2.0-only
#include "memory/cgroup_tree.h"

#include "memory/process_scan.h"
#include "policy/path_rules.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policy/units.h"
#include "util/read_file.h"
#include "util/state_file.h"

namespace llm::memory {
namespace {

bool is_dir(const std::string& p)
{
    struct stat st {};
    return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

std::optional<std::string> read_text(const std::string& path)
{
    int err = 0;
    auto t = util::read_file(path, &err);
    return t ? std::optional<std::string>(trim(*t)) : std::nullopt;
}

std::set<std::string> words(const std::string& text)
{
    std::set<std::string> out;
    std::istringstream in(text);
    std::string w;
    while (in >> w)
        out.insert(w);
    return out;
}

std::string parent_of(const std::string& path)
{
    auto pos = path.rfind('/');
    return pos == 0 || pos == std::string::npos ? "/" : path.substr(0, pos);
}

uint64_t to_u64(const std::optional<std::string>& s)
{
    if (!s || s->empty() || s->find_first_not_of("0123456789") != std::string::npos)
        return 0;
    return std::stoull(*s);
}

uint64_t oom_kills(const std::string& events_file)
{
    auto t = read_text(events_file);
    if (!t)
        return 0;
    std::istringstream in(*t);
    std::string k;
    uint64_t v = 0;
    while (in >> k >> v)
        if (k == "oom_kill")
            return v;
    return 0;
}

}  // namespace

CgroupTree::CgroupTree(std::string state_dir, std::string mount, std::unique_ptr<CgroupBackend> backend)
    : state_file_(std::move(state_dir) + "/cgroups.json"),
      backend_(backend ? std::move(backend) : libcgroup_backend(mount)),
      mount_(std::move(mount))
{
}

util::Status CgroupTree::adopt(size_t* adopted, std::vector<std::string>* dropped,
                                             const std::string& cgroup_root)
{
    *adopted = 0;
    std::string warning;
    auto j = util::read_state_file(state_file_, "", "check the cgroups below " + mount_ + " by hand", &warning);
    if (!j)
        return util::error(j.error());
    size_t bad = 0;
    auto refuse = [&](const std::string& what) {
        ++bad;
        if (dropped)
            dropped->push_back(state_file_ + ": " + what + "; not used");
    };
    if (!warning.empty() && dropped)
        dropped->push_back(warning);
    static const std::set<std::string> known_controllers = {"memory", "cpuset", "hugetlb", "cpu", "pids", "io"};
    if (auto c = j->find("created"); c != j->end()) {
        if (!c->is_array())
            refuse("\"created\" is not a list");
        else
            for (const auto& path : *c) {
                if (!path.is_string() || !policy::cgroup_path_ours(path.get<std::string>()))
                    refuse("created cgroup " + path.dump() + " is not one the daemon may own");
                else if (!policy::cgroup_path_within(path.get<std::string>(), cgroup_root))
                    refuse("created cgroup " + path.dump() + " is not below memory.cgroup_root " + cgroup_root +
                           " (left as it is)");
                else
                    created_.push_back(path.get<std::string>());
            }
    }
    if (auto e = j->find("enabled"); e != j->end() && e->is_object()) {
        for (const auto& [cg, ctrls] : e->items()) {
            bool ok = (cg == "/" || policy::cgroup_path_ours(cg)) && ctrls.is_array() &&
                      (policy::cgroup_path_on_way_to(cg, cgroup_root) || policy::cgroup_path_within(cg, cgroup_root));
            for (const auto& c : ctrls.is_array() ? ctrls : nlohmann::json::array())
                ok = ok && c.is_string() && known_controllers.count(c.get<std::string>());
            if (!ok)
                refuse("controllers of " + cg + " are not ones the daemon enables");
            else
                for (const auto& c : ctrls)
                    enabled_[cg].insert(c.get<std::string>());
        }
    }
    if (auto m = j->find("moved"); m != j->end() && m->is_object()) {
        for (const auto& [tgid, rec] : m->items()) {
            char* end = nullptr;
            unsigned long pid = std::strtoul(tgid.c_str(), &end, 10);
            // {"from": "/x", "start": N}; a bare "/x" is the record before start times.
            std::string from = rec.is_string() ? rec.get<std::string>() : rec.value("from", nlohmann::json()).is_string() ? rec["from"].get<std::string>() : "";
            uint64_t start = rec.is_object() && rec.value("start", nlohmann::json()).is_number_unsigned() ? rec["start"].get<uint64_t>() : 0;
            if (tgid.empty() || *end || pid == 0 || pid > 4194304 || from.empty() || !policy::cgroup_path_normal(from))
                refuse("moved process " + tgid + " has a malformed record");
            else
                origin_[static_cast<uint32_t>(pid)] = {from, start};
        }
    }
    if (bad) {
        util::set_aside_partly_refused(state_file_, dropped);
        if (auto err = save(); !err)
            return err;
    }
    *adopted = created_.size() + origin_.size();
    return {};
}

bool CgroupTree::same_process(uint32_t tgid, const Moved& m) const
{
    auto now = process_start_time(tgid);
    return now && m.start && *now == m.start;
}

void CgroupTree::prune()
{
    size_t before = origin_.size();
    for (auto it = origin_.begin(); it != origin_.end();)
        it = same_process(it->first, it->second) ? std::next(it) : origin_.erase(it);
    if (origin_.size() != before)
        (void)save();
}

util::Status CgroupTree::save() const
{
    if (created_.empty() && enabled_.empty() && origin_.empty()) {
        std::error_code ec;
        std::filesystem::remove(state_file_, ec);
        return {};
    }
    nlohmann::json j;
    j["created"] = created_;
    j["enabled"] = enabled_;
    nlohmann::json moved = nlohmann::json::object();
    for (const auto& [tgid, m] : origin_)
        moved[std::to_string(tgid)] = {{"from", m.from}, {"start", m.start}};
    j["moved"] = moved;
    return util::write_state_file(state_file_, j.dump(2) + "\n");
}

std::optional<std::string> CgroupTree::class_path(const std::string& class_name) const
{
    for (const auto& c : plan_.classes)
        if (c.class_name == class_name)
            return c.path;
    return std::nullopt;
}

// Controllers a child of `parent` needs must be on in parent's
// cgroup.subtree_control. Done here, not left to the backend's create:
// libcgroup 2.0.x skips the root and some levels (issues 351 and 405).
util::Status CgroupTree::ensure_controllers(const std::string& parent,
                                                          const std::set<std::string>& ctrls)
{
    auto base = parent == "/" ? mount_ : fs(parent);
    auto on = words(read_text(base + "/cgroup.subtree_control").value_or(""));
    auto offered = words(read_text(base + "/cgroup.controllers").value_or(""));
    for (const auto& c : ctrls) {
        if (on.count(c))
            continue;
        if (!offered.count(c))
            return util::error("the kernel offers no " + c + " controller at " + base + " (cgroup.controllers: " +
                   read_text(base + "/cgroup.controllers").value_or("?") + ")");
        enabled_[parent].insert(c);
        if (auto err = save(); !err)
            return err;
        if (auto err = backend_->set_subtree_control(parent, c, true); !err) {
            enabled_[parent].erase(c);
            if (enabled_[parent].empty())
                enabled_.erase(parent);
            (void)save();  // best effort: the failed write is the error to report
            return err;
        }
    }
    return {};
}

util::Status CgroupTree::create(const std::string& path, const std::set<std::string>& ctrls)
{
    created_.push_back(path);
    if (auto err = save(); !err) {
        created_.pop_back();
        return err;
    }
    auto made = backend_->create(path, ctrls);
    if (!made || !is_dir(fs(path))) {
        created_.pop_back();
        (void)save();  // best effort: the failed create is the error to report
        return util::error("cannot create " + fs(path) + " (" + (made ? "it is not there after creating it" : made.error()) +
                           ")");
    }
    return {};
}

void CgroupTree::write_files(const ClassCgroup& cg, CgroupReport& rep)
{
    for (const auto& f : cg.files) {
        CgroupFileResult r{cg.path, f.name, f.value, "", "", false};
        auto dir = fs(cg.path);
        uint64_t usage = to_u64(read_text(dir + "/memory.current"));
        uint64_t kills = oom_kills(dir + "/memory.events");
        if (auto st = backend_->write(cg.path, f.name, f.value); !st)
            r.error = "writing \"" + f.value + "\" to " + dir + "/" + f.name + " failed: " + st.error();
        r.got = read_text(dir + "/" + f.name).value_or("");
        // Memory limits are kept in whole pages.
        bool numeric = f.value.find_first_not_of("0123456789") == std::string::npos;
        uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
        r.ok = r.error.empty() && (r.got == f.value || (numeric && r.got == std::to_string(std::stoull(f.value) / page * page)));
        if (r.error.empty() && !r.ok)
            r.error = dir + "/" + f.name + " reads \"" + r.got + "\" after writing \"" + f.value + "\"";
        if (f.name == "memory.max" && numeric && r.error.empty() && usage > std::stoull(f.value)) {
            uint64_t after = to_u64(read_text(dir + "/memory.current"));
            uint64_t killed = oom_kills(dir + "/memory.events") - kills;
            rep.notes.push_back(cg.path + ": memory.max " + policy::format_size(std::stoull(f.value)) +
                                " is below its usage of " + policy::format_size(usage) + "; the kernel reclaimed to " +
                                policy::format_size(after) +
                                (killed ? " and OOM-killed " + std::to_string(killed) + " process(es) in it" : ""));
        }
        rep.files.push_back(std::move(r));
    }
}

CgroupReport CgroupTree::apply(const CgroupPlan& plan)
{
    CgroupReport rep;
    if (plan.empty()) {
        for (const auto& e : release_all())
            rep.notes.push_back(e);
        plan_ = plan;
        return rep;
    }
    if (!is_dir(mount_) || !std::filesystem::exists(mount_ + "/cgroup.controllers")) {
        rep.fatal = "no cgroup v2 file system at " + mount_ + "; mount it (mount -t cgroup2 none " + mount_ + ")";
        return rep;
    }
    if (!backend_started_) {
        if (auto st = backend_->start(); !st) {
            rep.fatal = st.error();
            return rep;
        }
        backend_started_ = true;
    }
    if (!plan_.empty() && plan_.root != plan.root)
        for (const auto& e : release_all())
            rep.notes.push_back(e);
    // The chain from the mount down to the root of the class cgroups.
    std::vector<std::string> chain;
    for (auto p = plan.root; p != "/"; p = parent_of(p))
        chain.insert(chain.begin(), p);
    for (const auto& p : chain) {
        if (auto err = ensure_controllers(parent_of(p), plan.controllers); !err) {
            rep.fatal = err.error();
            return rep;
        }
        if (!is_dir(fs(p)))
            if (auto err = create(p, plan.controllers); !err) {
                rep.fatal = err.error();
                return rep;
            }
    }
    if (auto procs = read_text(fs(plan.root) + "/cgroup.procs"); procs && !procs->empty()) {
        rep.fatal = fs(plan.root) + " holds processes of its own (" + *procs +
                    "); cgroup v2 lets only leaf cgroups hold processes when children have controllers: "
                    "move them out or choose another memory.cgroup_root";
        return rep;
    }
    for (const auto& cg : plan.classes)
        if (!is_dir(fs(cg.path)))
            if (auto err = create(cg.path, plan.controllers); !err) {
                rep.fatal = err.error();
                return rep;
            }
    // Creating a child through libcgroup should have enabled the controllers
    // in the parent; check once, since 2.0.x skips levels (issue 351).
    if (auto err = ensure_controllers(plan.root, plan.controllers); !err) {
        rep.fatal = err.error();
        return rep;
    }
    for (const auto& cg : plan.classes)
        write_files(cg, rep);
    // Class cgroups the new plan no longer has.
    for (const auto& old : plan_.classes) {
        bool kept = std::any_of(plan.classes.begin(), plan.classes.end(), [&](const ClassCgroup& c) { return c.path == old.path; });
        if (!kept) {
            bool created = std::find(created_.begin(), created_.end(), old.path) != created_.end();
            if (auto err = move_out(old.path, created); !err)
                rep.notes.push_back(err.error());
            if (auto err = remove(old.path); !err)
                rep.notes.push_back(err.error());
        }
    }
    // Cgroups created by an apply that failed half-way are in no plan: the
    // apply of the previous plan that rolls a refused reload back removes
    // them here. Children before parents.
    auto created = created_;
    std::sort(created.begin(), created.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& path : created) {
        bool named = std::find(chain.begin(), chain.end(), path) != chain.end() ||
                     std::any_of(plan.classes.begin(), plan.classes.end(),
                                 [&](const ClassCgroup& c) { return c.path == path; });
        if (named)
            continue;
        if (auto err = move_out(path, true); !err)
            rep.notes.push_back(err.error());
        if (auto err = remove(path); !err)
            rep.notes.push_back(err.error());
    }
    plan_ = plan;
    for (const auto& f : rep.files)
        if (!f.ok && !rep.fatal)
            rep.fatal = f.error;
    return rep;
}

util::Status CgroupTree::place(uint32_t tgid, uint64_t start_time, const std::string& class_name,
                                             const std::string& from)
{
    auto path = class_path(class_name);
    if (!path)
        return util::error("class " + class_name + " has no cgroup");
    if (!is_dir(fs(*path)))
        repair();
    // A record under this pid for another process (the pid was reused) is stale.
    if (auto it = origin_.find(tgid); it != origin_.end() && it->second.start != start_time)
        origin_.erase(it);
    bool recorded = origin_.emplace(tgid, Moved{from, start_time}).second;
    if (recorded)
        if (auto err = save(); !err)
            return err;
    if (auto st = backend_->attach(*path, plan_.controllers, tgid); !st) {
        if (recorded) {
            origin_.erase(tgid);
            (void)save();  // best effort: the failed move is the error to report
        }
        return util::error("cannot move process " + std::to_string(tgid) + " into " + fs(*path) + ": " + st.error());
    }
    return {};
}

std::vector<std::string> CgroupTree::repair()
{
    std::vector<std::string> done;
    for (const auto& cg : plan_.classes) {
        if (is_dir(fs(cg.path)))
            continue;
        // Its processes went with it (the kernel refuses to remove a populated
        // cgroup), so their original cgroups no longer need remembering.
        created_.erase(std::remove(created_.begin(), created_.end(), cg.path), created_.end());
        CgroupReport rep;
        if (auto err = create(cg.path, plan_.controllers); !err) {
            done.push_back(cg.path + " was removed by someone else and cannot be recreated: " + err.error());
            continue;
        }
        write_files(cg, rep);
        done.push_back(cg.path + " was removed by someone else; recreated with its limits");
    }
    return done;
}

// Moves out of `path` what the daemon moved in, back where it came from if
// it is still the same process. With `all` (a cgroup the daemon created and
// is about to remove) the rest goes to the root cgroup; otherwise it stays.
util::Status CgroupTree::move_out(const std::string& path, bool all)
{
    auto procs = read_text(fs(path) + "/cgroup.procs");
    if (!procs)
        return {};
    std::istringstream in(*procs);
    uint32_t tgid;
    std::string failed;
    while (in >> tgid) {
        auto it = origin_.find(tgid);
        bool ours = it != origin_.end() && same_process(tgid, it->second);
        if (!ours && !all)
            continue;  // put there by someone else: not ours to move
        std::string dest = ours && is_dir(fs(it->second.from)) ? it->second.from : "/";
        if (auto err = backend_->move_process(dest, tgid); !err)
            failed += " " + std::to_string(tgid) + " (" + err.error() + ")";
        if (it != origin_.end())
            origin_.erase(it);
    }
    if (auto st = save(); !st)
        failed += " (and the record: " + st.error() + ")";
    if (!failed.empty())
        return util::error("could not move these processes out of " + fs(path) + ":" + failed);
    return {};
}

util::Status CgroupTree::remove(const std::string& path)
{
    auto it = std::find(created_.begin(), created_.end(), path);
    if (it == created_.end())
        return {};  // it was there before the daemon: leave it
    auto st = backend_->remove(path, plan_.controllers);
    if (is_dir(fs(path)))
        return util::error("cannot remove " + fs(path) + ": " + (st ? std::string("it is still there") : st.error()));
    created_.erase(it);
    return save();
}

std::vector<std::string> CgroupTree::release_all()
{
    std::vector<std::string> problems;
    if (!backend_started_ && (!created_.empty() || !origin_.empty())) {
        if (auto st = backend_->start(); !st)
            return {st.error()};
        backend_started_ = true;
    }
    // Children before parents.
    auto created = created_;
    std::sort(created.begin(), created.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& path : created) {
        if (auto err = move_out(path, true); !err)
            problems.push_back(err.error());
        if (auto err = remove(path); !err)
            problems.push_back(err.error());
    }
    // Processes moved into cgroups the daemon did not create: only those.
    for (const auto& cg : plan_.classes)
        if (auto err = move_out(cg.path, false); !err)
            problems.push_back(err.error());
    // Undo controller enables, deepest first. A controller another child
    // still uses cannot be disabled (EBUSY); that is reported and left on.
    for (auto it = enabled_.rbegin(); it != enabled_.rend(); ++it) {
        auto base = it->first == "/" ? mount_ : fs(it->first);
        if (!is_dir(base))
            continue;
        for (const auto& c : it->second)
            if (auto err = backend_->set_subtree_control(it->first, c, false); !err)
                problems.push_back(err.error() + " (left enabled)");
    }
    enabled_.clear();
    origin_.clear();
    plan_ = {};
    if (auto err = save(); !err)
        problems.push_back(err.error());
    return problems;
}

}  // namespace llm::memory
