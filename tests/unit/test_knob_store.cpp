// SPDX-License-Identifier: GPL-2.0-only
// The knob store against a fixture tree (oomd's style) and against a fake
// kernel whose knobs move each other, as THP and min_free_kbytes do.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fixture_root.h"
#include "memory/kernel_files.h"
#include "memory/knob_store.h"
#include "plan/knob_plan.h"

namespace memory = llm::memory;
namespace util = llm::util;

namespace {

constexpr const char* kThpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled";
constexpr const char* kMinFree = "/proc/sys/vm/min_free_kbytes";
constexpr const char* kSwappiness = "/proc/sys/vm/swappiness";
constexpr const char* kLruGen = "/sys/kernel/mm/lru_gen/enabled";

// Kernel files as plain files below a fixture root (a write replaces the
// file's contents, as a sysfs store does).
class FixtureKernelFiles final : public memory::KernelFiles {
public:
    explicit FixtureKernelFiles(const FixtureRoot& root) : root_(root) {}
    util::Result<std::string> read(const std::string& path) override
    {
        if (!std::filesystem::exists(root_.at(path)))
            return util::error("cannot read " + path + ": No such file or directory");
        return root_.read(path);
    }
    util::Status write(const std::string& path, const std::string& value) override
    {
        if (!std::filesystem::exists(root_.at(path)))
            return util::error("cannot write \"" + value + "\" to " + path + ": No such file or directory");
        root_.write(path, value + "\n");
        return {};
    }

private:
    const FixtureRoot& root_;
};

// A kernel in memory. Writing THP `enabled` recomputes min_free_kbytes, as
// Linux does (khugepaged's set_recommended_min_free_kbytes); a file in
// `stuck` ignores writes.
class CoupledKernel final : public memory::KernelFiles {
public:
    std::map<std::string, std::string> files;
    std::set<std::string> stuck;
    std::vector<std::string> writes;

    util::Result<std::string> read(const std::string& path) override
    {
        auto it = files.find(path);
        if (it == files.end())
            return util::error("cannot read " + path);
        return it->second;
    }
    util::Status write(const std::string& path, const std::string& value) override
    {
        writes.push_back(path);
        if (!files.count(path))
            return util::error("no " + path);
        if (stuck.count(path))
            return {};
        if (path == kThpEnabled) {
            files[path] = value == "always" ? "[always] madvise never" : value == "madvise" ? "always [madvise] never"
                                                                                              : "always madvise [never]";
            files[kMinFree] = "67584";
        } else {
            files[path] = value;
        }
        return {};
    }
};

std::vector<memory::Knob> plan_of(const std::map<std::string, int>& sysctl, const std::string& thp)
{
    llm::policy::MemorySpec spec;
    for (const auto& [k, v] : sysctl)
        spec.sysctl[k] = static_cast<uint64_t>(v);
    if (!thp.empty())
        spec.thp["enabled"] = thp;
    return memory::plan(spec);
}

}  // namespace

TEST_CASE("knob store: restore puts sysctls back after THP, which moves min_free_kbytes")
{
    FixtureRoot root;
    CoupledKernel kernel;
    kernel.files = {{kThpEnabled, "always [madvise] never"}, {kMinFree, "45056"}, {kSwappiness, "60"}};
    memory::KnobStore store(root.at("/state"), kernel);
    auto rep = store.apply(plan_of({{"vm.min_free_kbytes", 8192}, {"vm.swappiness", 10}}, "never"));
    REQUIRE_FALSE(rep.fatal);
    CHECK(kernel.files[kMinFree] == "8192");  // apply writes sysctls last too
    CHECK(kernel.files[kThpEnabled] == "always madvise [never]");

    auto failed = store.restore_all();
    CHECK(failed.empty());
    CHECK(kernel.files[kThpEnabled] == "always [madvise] never");
    CHECK(kernel.files[kMinFree] == "45056");  // in path order, the THP write came after and left 67584
    CHECK(kernel.files[kSwappiness] == "60");
    CHECK_FALSE(std::filesystem::exists(root.at("/state/originals.json")));
}

TEST_CASE("knob store: a knob that does not read back its original after the restore is reported")
{
    FixtureRoot root;
    CoupledKernel kernel;
    kernel.files = {{kSwappiness, "60"}, {kLruGen, "0x0000"}};
    memory::KnobStore store(root.at("/state"), kernel);
    llm::policy::MemorySpec spec;
    spec.sysctl["vm.swappiness"] = 10;
    spec.lru_gen_enabled = true;
    REQUIRE_FALSE(store.apply(memory::plan(spec)).fatal);
    kernel.stuck = {kLruGen};
    auto failed = store.restore_all();
    REQUIRE(failed.size() == 1);
    CHECK(failed[0] == std::string(kLruGen) + " reads y after the restore, not its original 0x0000");
    CHECK(kernel.files[kSwappiness] == "60");
    CHECK(std::filesystem::exists(root.at("/state/originals.json")));  // kept for the operator
}

TEST_CASE("knob store on a fixture root: records first, writes, adopts after a crash, restores")
{
    FixtureRoot root;
    root.write(kSwappiness, "60\n");
    root.write(kThpEnabled, "always [madvise] never\n");
    FixtureKernelFiles files(root);
    {
        memory::KnobStore store(root.at("/state"), files);
        auto rep = store.apply(plan_of({{"vm.swappiness", 7}}, "never"));
        REQUIRE_FALSE(rep.fatal);
        REQUIRE(rep.knobs.size() == 2);
        for (const auto& k : rep.knobs)
            CHECK(k.ok);
        CHECK(root.read(kSwappiness) == "7\n");
        CHECK(root.read(kThpEnabled) == "never\n");
        CHECK(root.read("/state/originals.json").find("\"original\": \"60\"") != std::string::npos);
        // The daemon dies here: no restore.
    }
    memory::KnobStore next(root.at("/state"), files);
    size_t adopted = 0;
    std::vector<std::string> dropped;
    REQUIRE(next.adopt(&adopted, &dropped));
    CHECK(adopted == 2);
    CHECK(dropped.empty());
    // A plan without swappiness puts it back at once; restore does the rest.
    auto rep = next.apply(plan_of({}, "never"));
    REQUIRE_FALSE(rep.fatal);
    REQUIRE(rep.restored.size() == 1);
    CHECK(root.read(kSwappiness) == "60\n");
    CHECK(next.restore_all().empty());
    CHECK(root.read(kThpEnabled) == "madvise\n");
    CHECK_FALSE(std::filesystem::exists(root.at("/state/originals.json")));
}

TEST_CASE("knob store on a fixture root: a knob this kernel lacks refuses the plan before any write")
{
    FixtureRoot root;
    root.write(kSwappiness, "60\n");
    FixtureKernelFiles files(root);
    memory::KnobStore store(root.at("/state"), files);
    auto rep = store.apply(plan_of({{"vm.swappiness", 7}, {"vm.min_free_kbytes", 8192}}, ""));
    REQUIRE(rep.fatal);
    CHECK(rep.fatal->find("vm.min_free_kbytes") != std::string::npos);
    CHECK(rep.fatal->find("does this kernel have it?") != std::string::npos);
    CHECK(root.read(kSwappiness) == "60\n");
}
