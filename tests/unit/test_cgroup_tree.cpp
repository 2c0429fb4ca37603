// SPDX-License-Identifier: GPL-2.0-only
// The cgroup tree against a fixture cgroupfs (oomd's style): what it makes,
// what it records, where processes go back to, and what it leaves alone.
#include <catch2/catch_test_macros.hpp>

#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fixture_root.h"
#include "memory/cgroup_backend.h"
#include "memory/cgroup_tree.h"
#include "memory/process_scan.h"
#include "plan/cgroup_plan.h"

namespace memory = llm::memory;
namespace util = llm::util;
namespace fs = std::filesystem;

namespace {

std::set<std::string> words(const std::string& text)
{
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;)
        out.insert(w);
    return out;
}

std::string joined(const std::set<std::string>& ws)
{
    std::string s;
    for (const auto& w : ws)
        s += (s.empty() ? "" : " ") + w;
    return s;
}

// cgroupfs's rules on plain directories below a fixture root: a child
// offers what its parent's subtree_control enables, a limit file exists
// only with its controller, a populated cgroup cannot be removed, a cgroup
// with processes cannot enable controllers for children, and a process is
// in exactly one cgroup. `fail_create` and `fail_write` fail on command.
class FixtureCgroupfs final : public memory::CgroupBackend {
public:
    explicit FixtureCgroupfs(const FixtureRoot& root) : root_(root) {}
    std::set<std::string> fail_create;  // cgroup paths
    std::set<std::string> fail_write;   // "<cgroup>/<file>"
    std::vector<std::string> log;

    util::Status start() override { return {}; }
    util::Status create(const std::string& path, const std::set<std::string>&) override
    {
        log.push_back("create " + path);
        if (fail_create.count(path))
            return util::error("create refused on command");
        auto parent = fs::path(path).parent_path().string();
        if (!fs::is_directory(dir(parent)) || fs::exists(dir(path)))
            return util::error("no parent, or already there");
        root_.mkdir("/cg" + path);
        root_.write("/cg" + path + "/cgroup.procs", "");
        root_.write("/cg" + path + "/cgroup.subtree_control", "");
        root_.write("/cg" + path + "/memory.current", "0\n");
        root_.write("/cg" + path + "/memory.events", "oom_kill 0\n");
        refresh_children(parent);
        return {};
    }
    util::Status remove(const std::string& path, const std::set<std::string>&) override
    {
        log.push_back("remove " + path);
        if (!procs(path).empty())
            return util::error("Device or resource busy (it holds processes)");
        for (const auto& e : fs::directory_iterator(dir(path)))
            if (e.is_directory())
                return util::error("Device or resource busy (it has children)");
        fs::remove_all(dir(path));
        return {};
    }
    util::Status write(const std::string& path, const std::string& file, const std::string& value) override
    {
        log.push_back("write " + path + "/" + file + "=" + value);
        if (fail_write.count(path + "/" + file))
            return util::error("write refused on command");
        if (!words(root_.read("/cg" + path + "/cgroup.controllers")).count(file.substr(0, file.find('.'))))
            return util::error("No such file or directory (controller not enabled)");
        root_.write("/cg" + path + "/" + file, value + "\n");
        return {};
    }
    util::Status attach(const std::string& path, const std::set<std::string>&, uint32_t tgid) override
    {
        return move_process(path, tgid);
    }
    util::Status move_process(const std::string& path, uint32_t tgid) override
    {
        log.push_back("move " + std::to_string(tgid) + " " + path);
        if (!fs::is_directory(dir(path)))
            return util::error("No such file or directory");
        for (const auto& e : fs::recursive_directory_iterator(dir("/")))
            if (e.path().filename() == "cgroup.procs") {
                auto ws = words(root_.read(e.path().string().substr(root_.path().size())));
                ws.erase(std::to_string(tgid));
                std::ofstream(e.path()) << joined(ws);
            }
        auto ws = procs(path);
        ws.insert(std::to_string(tgid));
        root_.write(file(path, "cgroup.procs"), joined(ws));
        return {};
    }
    util::Status set_subtree_control(const std::string& path, const std::string& ctrl, bool on) override
    {
        log.push_back(std::string(on ? "enable " : "disable ") + ctrl + " " + path);
        auto ws = words(root_.read(file(path, "cgroup.subtree_control")));
        if (on && !words(root_.read(file(path, "cgroup.controllers"))).count(ctrl))
            return util::error("No such file or directory (not offered)");
        if (on && path != "/" && !procs(path).empty())
            return util::error("Device or resource busy");
        on ? (void)ws.insert(ctrl) : (void)ws.erase(ctrl);
        root_.write(file(path, "cgroup.subtree_control"), joined(ws));
        refresh_children(path);
        return {};
    }

    [[nodiscard]] std::set<std::string> procs(const std::string& path) const
    {
        return words(root_.read(file(path, "cgroup.procs")));
    }

private:
    [[nodiscard]] std::string dir(const std::string& path) const { return root_.at("/cg" + (path == "/" ? "" : path)); }
    [[nodiscard]] static std::string file(const std::string& path, const std::string& name)
    {
        return "/cg" + (path == "/" ? "" : path) + "/" + name;
    }
    void refresh_children(const std::string& path)
    {
        auto offered = root_.read(file(path, "cgroup.subtree_control"));
        for (const auto& e : fs::directory_iterator(dir(path)))
            if (e.is_directory())
                std::ofstream(e.path() / "cgroup.controllers") << offered;
    }
    const FixtureRoot& root_;
};

// A host: the root offers memory, cpu, io and pids (no hugetlb), enables cpu
// for its children already, and holds init; /user.slice/session holds the
// test's own process.
struct Host {
    FixtureRoot root;
    FixtureCgroupfs* fs_ = nullptr;
    uint32_t self = static_cast<uint32_t>(getpid());
    uint64_t self_start = memory::process_start_time(static_cast<uint32_t>(getpid())).value_or(0);

    Host()
    {
        root.write("/cg/cgroup.controllers", "cpu io memory pids\n");
        root.write("/cg/cgroup.subtree_control", "cpu\n");
        root.write("/cg/cgroup.procs", "1\n");
        root.mkdir("/state");
    }
    memory::CgroupTree tree()
    {
        auto backend = std::make_unique<FixtureCgroupfs>(root);
        fs_ = backend.get();
        return memory::CgroupTree(root.at("/state"), root.at("/cg"), std::move(backend));
    }
    void make(const std::string& path)
    {
        REQUIRE(fs_->create(path, {}));
    }
    [[nodiscard]] bool exists(const std::string& path) const { return fs::is_directory(root.at("/cg" + path)); }
    [[nodiscard]] std::set<std::string> subtree(const std::string& path) const
    {
        return words(root.read("/cg" + (path == "/" ? "" : path) + "/cgroup.subtree_control"));
    }
    [[nodiscard]] bool recorded() const { return fs::exists(root.at("/state/cgroups.json")); }
};

memory::CgroupPlan plan(std::vector<std::string> classes, std::string limit = "1073741824")
{
    memory::CgroupPlan p;
    p.root = "/llm.slice";
    p.controllers = {"memory"};
    for (const auto& c : classes)
        p.classes.push_back({c, "/llm.slice/" + c, {{"memory.max", limit}, {"memory.high", "max"}}});
    return p;
}

}  // namespace

TEST_CASE("cgroup tree: apply makes the chain and the limits, release_all takes away exactly that")
{
    Host h;
    auto tree = h.tree();
    auto rep = tree.apply(plan({"train", "infer"}));
    REQUIRE_FALSE(rep.fatal);
    CHECK(rep.files.size() == 4);
    CHECK(h.root.read("/cg/llm.slice/train/memory.max") == "1073741824\n");
    CHECK(h.root.read("/cg/llm.slice/infer/memory.high") == "max\n");
    CHECK(h.subtree("/") == std::set<std::string>{"cpu", "memory"});
    CHECK(h.subtree("/llm.slice") == std::set<std::string>{"memory"});
    // What it changed is on record before a kill -9 could lose it.
    auto rec = h.root.read("/state/cgroups.json");
    CHECK(rec.find("\"/llm.slice/train\"") != std::string::npos);
    CHECK(rec.find("\"memory\"") != std::string::npos);

    CHECK(tree.release_all().empty());
    CHECK_FALSE(h.exists("/llm.slice"));
    CHECK(h.subtree("/") == std::set<std::string>{"cpu"});  // cpu was on before: left on
    CHECK_FALSE(h.recorded());
}

TEST_CASE("cgroup tree: a refused limit names the file; a controller the kernel lacks changes nothing")
{
    {
        Host h;
        auto tree = h.tree();
        h.fs_->fail_write.insert("/llm.slice/train/memory.max");
        auto rep = tree.apply(plan({"train"}));
        REQUIRE(rep.fatal);
        CHECK(rep.fatal->find("/llm.slice/train/memory.max") != std::string::npos);
        CHECK(rep.fatal->find("refused on command") != std::string::npos);
    }
    {
        Host h;
        auto tree = h.tree();
        auto p = plan({"train"});
        p.controllers.insert("hugetlb");
        auto rep = tree.apply(p);
        REQUIRE(rep.fatal);
        CHECK(rep.fatal->find("offers no hugetlb controller") != std::string::npos);
        CHECK_FALSE(h.exists("/llm.slice"));
        CHECK(h.subtree("/") == std::set<std::string>{"cpu"});
        CHECK_FALSE(h.recorded());
    }
}

TEST_CASE("cgroup tree: a class root that holds processes of its own is refused")
{
    Host h;
    auto tree = h.tree();
    h.make("/llm.slice");
    h.root.write("/cg/llm.slice/cgroup.procs", "4000000");
    auto rep = tree.apply(plan({"train"}));
    REQUIRE(rep.fatal);
    CHECK(rep.fatal->find("holds processes of its own") != std::string::npos);
    CHECK_FALSE(h.exists("/llm.slice/train"));
}

TEST_CASE("cgroup tree: a placed process goes back where it came from; an operator's cgroup and process stay")
{
    Host h;
    auto tree = h.tree();
    REQUIRE(h.self_start != 0);
    h.make("/user.slice");
    h.make("/user.slice/session");
    REQUIRE(h.fs_->move_process("/user.slice/session", h.self));
    // The operator made the class root and one class cgroup, and put a process there.
    REQUIRE(h.fs_->set_subtree_control("/", "memory", true));
    h.make("/llm.slice");
    h.make("/llm.slice/train");
    h.root.write("/cg/llm.slice/train/cgroup.procs", "4000000");
    REQUIRE_FALSE(tree.apply(plan({"train"})).fatal);

    REQUIRE(tree.place(h.self, h.self_start, "train", "/user.slice/session"));
    CHECK(h.fs_->procs("/llm.slice/train") == std::set<std::string>{"4000000", std::to_string(h.self)});
    CHECK(h.root.read("/state/cgroups.json").find("\"/user.slice/session\"") != std::string::npos);

    CHECK(tree.release_all().empty());
    CHECK(h.fs_->procs("/user.slice/session") == std::set<std::string>{std::to_string(h.self)});
    CHECK(h.exists("/llm.slice/train"));  // not the daemon's: kept, with what it did not move in
    CHECK(h.fs_->procs("/llm.slice/train") == std::set<std::string>{"4000000"});
    CHECK(h.subtree("/") == std::set<std::string>{"cpu", "memory"});
}

TEST_CASE("cgroup tree: a record whose pid now names another process moves nothing back there")
{
    Host h;
    auto tree = h.tree();
    h.make("/user.slice");
    h.make("/user.slice/session");
    REQUIRE_FALSE(tree.apply(plan({"train"})).fatal);
    // The start time on record is not this process's: the pid was reused.
    REQUIRE(tree.place(h.self, h.self_start + 1, "train", "/user.slice/session"));
    CHECK(tree.release_all().empty());
    // The cgroup was the daemon's and is removed; what was in it goes to the root.
    CHECK_FALSE(h.exists("/llm.slice"));
    CHECK(h.fs_->procs("/user.slice/session").empty());
    CHECK(h.fs_->procs("/").count(std::to_string(h.self)));
}

TEST_CASE("cgroup tree: the apply that rolls a refused reload back removes the cgroups only that reload made")
{
    Host h;
    auto tree = h.tree();
    REQUIRE_FALSE(tree.apply(plan({"train"})).fatal);
    // The new plan fails half-way: infer is made, zeta is refused.
    h.fs_->fail_create.insert("/llm.slice/zeta");
    auto bad = tree.apply(plan({"train", "infer", "zeta"}, "536870912"));
    REQUIRE(bad.fatal);
    CHECK(h.exists("/llm.slice/infer"));
    h.fs_->fail_create.clear();

    // The rollback: the previous plan again.
    auto back = tree.apply(plan({"train"}));
    REQUIRE_FALSE(back.fatal);
    CHECK_FALSE(h.exists("/llm.slice/infer"));
    CHECK(h.exists("/llm.slice/train"));
    CHECK(h.root.read("/cg/llm.slice/train/memory.max") == "1073741824\n");
    CHECK(h.root.read("/state/cgroups.json").find("infer") == std::string::npos);
    CHECK(tree.release_all().empty());
    CHECK_FALSE(h.exists("/llm.slice"));
}

TEST_CASE("cgroup tree: a daemon killed with -9 leaves a record the next one adopts and undoes")
{
    Host h;
    {
        auto first = h.tree();
        REQUIRE_FALSE(first.apply(plan({"train"})).fatal);
        // no release_all: the process died
    }
    REQUIRE(h.recorded());
    auto second = h.tree();
    size_t adopted = 0;
    std::vector<std::string> dropped;
    REQUIRE(second.adopt(&adopted, &dropped));
    CHECK(adopted == 2);  // /llm.slice and /llm.slice/train
    CHECK(dropped.empty());
    CHECK(second.release_all().empty());
    CHECK_FALSE(h.exists("/llm.slice"));
    CHECK(h.subtree("/") == std::set<std::string>{"cpu"});
    CHECK_FALSE(h.recorded());
}

TEST_CASE("cgroup tree: an adopted record that names cgroups the daemon may not own is dropped, not acted on")
{
    Host h;
    h.root.mkdir("/cg/system.slice");
    h.root.write("/state/cgroups.json",
                 R"({"created": ["/system.slice", "/other.slice/x"], "enabled": {"/system.slice": ["memory"]}, "moved": {}})");
    auto tree = h.tree();
    size_t adopted = 0;
    std::vector<std::string> dropped;
    REQUIRE(tree.adopt(&adopted, &dropped));
    CHECK(adopted == 0);
    CHECK(dropped.size() >= 3);
    CHECK(tree.release_all().empty());
    CHECK(h.exists("/system.slice"));
}
