// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "has_error.h"

#include "plan/cgroup_plan.h"
#include "plan/hugetlbfs_plan.h"
#include "plan/knob_plan.h"
#include "plan/placement.h"
#include "policy/parser.h"
#include "policy/validate.h"

using namespace llm;

namespace {

std::optional<policy::Policy> parse(const std::string& text, policy::Diagnostics& d)
{
    return policy::parse_policy(text, d);
}

policy::Machine machine()
{
    policy::Machine m;
    m.online_cpus = {0, 1, 2, 3};
    m.nr_possible_cpus = 4;
    m.hugepage_kb = {2048, 1048576};
    m.mthp_kb = {64, 2048};
    m.numa_nodes = {0};
    m.mem_total_bytes = 8ULL << 30;
    return m;
}

const char* kTwoClasses = R"({
  "classes": [
    { "name": "train", "match": [ { "comm_prefix": "torchrun" }, { "uid": 1000 } ], "priority": 90,
      "memory": { "min": "1G", "low": "2G", "high": "6G", "max": "7G", "swap_max": 0, "oom_group": true,
                  "hugetlb": { "2M": "1G" }, "mems": "0" } },
    { "name": "infer", "match": [ { "comm_prefix": "vllm" } ], "priority": 95 },
    { "name": "batch", "match": [ { "cgroup_prefix": "/batch.slice" }, { "comm_prefix": "tor" } ],
      "memory": { "max": "512M" } },
    { "name": "rest", "match": [ { "default": true } ] }
  ],
  "memory": { "hugetlbfs": [ { "path": "/dev/hugepages-llm", "page_size": "2M", "size": "1G", "min_size": "512M",
                               "uid": 0, "gid": 1000, "mode": "0770" } ],
              "thp": { "sizes": { "64K": "always" } } }
})";

}  // namespace

TEST_CASE("class memory sections become one cgroup each, with every managed file")
{
    policy::Diagnostics d;
    auto p = parse(kTwoClasses, d);
    REQUIRE(p);
    REQUIRE(policy::validate(*p, machine(), d));
    auto plan = memory::plan_cgroups(*p, {2048, 1048576});
    CHECK(plan.root == "/llm.slice");
    CHECK(plan.controllers == std::set<std::string>{"cpuset", "hugetlb", "memory"});
    REQUIRE(plan.classes.size() == 2);
    CHECK(plan.classes[0].path == "/llm.slice/train");
    CHECK(plan.classes[1].path == "/llm.slice/batch");
    auto file = [&](size_t c, const std::string& name) -> std::string {
        for (const auto& f : plan.classes[c].files)
            if (f.name == name)
                return f.value;
        return "(absent)";
    };
    CHECK(file(0, "memory.max") == std::to_string(7ULL << 30));
    CHECK(file(0, "memory.swap.max") == "0");
    CHECK(file(0, "memory.oom.group") == "1");
    CHECK(file(0, "hugetlb.2MB.max") == std::to_string(1ULL << 30));
    CHECK(file(0, "hugetlb.2MB.rsvd.max") == std::to_string(1ULL << 30));
    CHECK(file(0, "hugetlb.1GB.max") == "max");
    CHECK(file(0, "cpuset.mems") == "0");
    // batch sets only max: the rest go to the kernel's defaults, so a reload
    // that drops a limit really drops it.
    CHECK(file(1, "memory.max") == std::to_string(512ULL << 20));
    CHECK(file(1, "memory.high") == "max");
    CHECK(file(1, "memory.min") == "0");
    CHECK(file(1, "memory.oom.group") == "0");
    CHECK(file(1, "hugetlb.2MB.max") == "max");
    CHECK(file(1, "cpuset.mems") == "(absent)");
}

TEST_CASE("only the controllers some class uses are enabled")
{
    policy::Diagnostics d;
    auto p = parse(R"({ "classes": [ { "name": "a", "match": [ { "comm_prefix": "x" } ], "memory": { "max": "1G" } },
                                     { "name": "b", "match": [ { "default": true } ] } ] })",
                   d);
    REQUIRE(p);
    auto plan = memory::plan_cgroups(*p, {2048});
    CHECK(plan.controllers == std::set<std::string>{"memory"});
    CHECK(plan.classes[0].files.size() == 6);
    policy::Diagnostics d2;
    auto none = parse(R"({ "classes": [ { "name": "b", "match": [ { "default": true } ] } ] })", d2);
    CHECK(memory::plan_cgroups(*none, {2048}).empty());
    // memory protect alone: no limit set anywhere, but it reads
    // memory.pressure and writes lower classes' memory.high.
    policy::Diagnostics d3;
    auto prot = parse(R"({ "classes": [
        { "name": "t", "priority": 90, "match": [ { "comm_prefix": "t" } ],
          "memory": { "protect": { "psi_some_avg10_max": 5, "floor": "64M" } } },
        { "name": "lo", "priority": 10, "match": [ { "comm_prefix": "l" } ], "memory": { } },
        { "name": "b", "match": [ { "default": true } ] } ] })", d3);
    REQUIRE(prot);
    CHECK(memory::plan_cgroups(*prot, {2048}).controllers == std::set<std::string>{"memory"});
}

TEST_CASE("hugetlb limits are whole pages and file names use the kernel's units")
{
    CHECK(memory::hugetlb_size_name(2048) == "2MB");
    CHECK(memory::hugetlb_size_name(1048576) == "1GB");
    CHECK(memory::hugetlb_size_name(64) == "64KB");
    CHECK(memory::limit_text(UINT64_MAX) == "max");
    policy::Diagnostics d;
    auto p = parse(R"({ "classes": [ { "name": "a", "match": [ { "comm_prefix": "x" } ],
                                       "memory": { "hugetlb": { "2M": 5000000 } } },
                                     { "name": "b", "match": [ { "default": true } ] } ] })",
                   d);
    REQUIRE(p);
    auto plan = memory::plan_cgroups(*p, {2048});
    CHECK(plan.classes[0].files[0].name == "hugetlb.2MB.max");
    CHECK(plan.classes[0].files[0].value == std::to_string(2 * 2097152));
}

TEST_CASE("placement follows the scheduler's rule order: file order, first match")
{
    policy::Diagnostics d;
    auto p = parse(kTwoClasses, d);
    REQUIRE(p);
    memory::ProcessFacts torchrun{100, "torchrun", 0, "/user.slice"};
    CHECK(memory::cgroup_class_of(*p, torchrun) == 0u);
    // "tor" in batch matches too, but train's rule comes first in the file.
    memory::ProcessFacts tor{101, "toronto", 0, "/user.slice"};
    CHECK(memory::cgroup_class_of(*p, tor) == 2u);
    memory::ProcessFacts by_uid{102, "python3", 1000, "/user.slice"};
    CHECK(memory::cgroup_class_of(*p, by_uid) == 0u);
    memory::ProcessFacts in_batch{103, "make", 0, "/batch.slice/job-1"};
    CHECK(memory::cgroup_class_of(*p, in_batch) == 2u);
    memory::ProcessFacts not_batch{104, "make", 0, "/batch.slicer"};
    CHECK_FALSE(memory::cgroup_class_of(*p, not_batch));
    // infer matches first but has no cgroup: the process stays where it is.
    memory::ProcessFacts vllm{105, "vllm", 0, "/"};
    CHECK_FALSE(memory::cgroup_class_of(*p, vllm));
    CHECK(memory::cgroup_under("/llm.slice/train", "/llm.slice"));
    CHECK_FALSE(memory::cgroup_under("/llm.slicex", "/llm.slice"));
    CHECK(memory::cgroup_under("/anything", "/"));
}

TEST_CASE("a pid rule names one thread, so at process level it matches only the main thread")
{
    policy::Diagnostics d;
    auto p = parse(R"({ "classes": [ { "name": "a", "match": [ { "pid": 42 } ], "memory": { "max": "1G" } },
                                     { "name": "b", "match": [ { "default": true } ] } ] })",
                   d);
    REQUIRE(p);
    CHECK(memory::cgroup_class_of(*p, {42, "x", 0, "/"}) == 0u);
    CHECK_FALSE(memory::cgroup_class_of(*p, {43, "x", 0, "/"}));
}

TEST_CASE("bad memory limits and cgroup settings get a path, what and fix")
{
    policy::Diagnostics d;
    parse(R"({ "classes": [ { "name": "a", "match": [ { "comm_prefix": "x" } ],
                               "memory": { "max": "lots", "low": "2G", "high": "1G", "hugetlb": { "3M": "1G" },
                                           "swap": 0 } },
                             { "name": "b", "match": [ { "default": true } ] } ] })",
          d);
    CHECK(has_error(d, "/classes/0/memory/max", "as a size"));
    CHECK(has_error(d, "/classes/0/memory/low", "low is above high"));
    CHECK(has_error(d, "/classes/0/memory/hugetlb/3M", "not a huge page size"));
    CHECK(has_error(d, "/classes/0/memory/swap", "swap_max"));

    policy::Diagnostics d2;
    auto p = parse(R"({ "classes": [ { "name": "all", "match": [ { "default": true } ], "memory": { "max": "1G" } } ],
                        "memory": { "cgroup_root": "/system.slice/llm" } })",
                   d2);
    REQUIRE(p);
    CHECK_FALSE(policy::validate(*p, machine(), d2));
    CHECK(has_error(d2, "/classes/0/memory", "every process of the host"));
    CHECK(has_error(d2, "/memory/cgroup_root", "which systemd owns"));

    policy::Diagnostics d3;
    auto q = parse(R"({ "classes": [ { "name": "a", "match": [ { "comm_prefix": "x" } ],
                                       "memory": { "mems": "3", "hugetlb": { "1G": "2G" } } },
                                     { "name": "b", "match": [ { "default": true } ] } ],
                        "memory": { "cgroup_root": "llm.slice" } })",
                   d3);
    REQUIRE(q);
    auto m = machine();
    m.hugepage_kb = {2048};
    CHECK_FALSE(policy::validate(*q, m, d3));
    CHECK(has_error(d3, "/classes/0/memory/mems", "NUMA node 3"));
    CHECK(has_error(d3, "/classes/0/memory/hugetlb/1G", "no 1G huge pages"));
    CHECK(has_error(d3, "/memory/cgroup_root", "not absolute"));
}

TEST_CASE("hugetlbfs mounts: options, and bad paths refused before anything runs")
{
    policy::Diagnostics d;
    auto p = parse(kTwoClasses, d);
    REQUIRE(p);
    CHECK(memory::mount_options(p->memory.hugetlbfs[0]) ==
          "pagesize=2M,size=1073741824,min_size=536870912,uid=0,gid=1000,mode=0770");

    policy::Diagnostics d2;
    parse(R"({ "classes": [ { "name": "b", "match": [ { "default": true } ] } ],
               "memory": { "hugetlbfs": [ { "path": "/mnt/a", "mode": "rwx" }, { "path": "/mnt/b", "page_size": "3M" } ] } })",
          d2);
    CHECK(has_error(d2, "/memory/hugetlbfs/0/mode", "not an octal mode"));
    CHECK(has_error(d2, "/memory/hugetlbfs/1/page_size", "not a huge page size"));
    policy::Diagnostics d3;
    auto r = parse(R"({ "classes": [ { "name": "b", "match": [ { "default": true } ] } ],
                        "memory": { "hugetlbfs": [ { "path": "dev/huge" },
                                                   { "path": "/dev/../etc" },
                                                   { "path": "/proc/huge" },
                                                   { "path": "/mnt/a", "page_size": "1G", "size": "1M" },
                                                   { "path": "/mnt/b", "size": "2M", "min_size": "4M" },
                                                   { "path": "/mnt/b" } ] } })",
                   d3);
    REQUIRE(r);
    auto m = machine();
    m.hugepage_kb = {2048};
    CHECK_FALSE(policy::validate(*r, m, d3));
    CHECK(has_error(d3, "/memory/hugetlbfs/0/path", "not absolute"));
    CHECK(has_error(d3, "/memory/hugetlbfs/1/path", "normal form"));
    CHECK(has_error(d3, "/memory/hugetlbfs/2/path", "inside /proc"));
    CHECK(has_error(d3, "/memory/hugetlbfs/3/page_size", "no 1G huge pages"));
    CHECK(has_error(d3, "/memory/hugetlbfs/4/min_size", "min_size is above size"));
    CHECK(has_error(d3, "/memory/hugetlbfs/5/path", "mounted twice"));
}

TEST_CASE("mountinfo: the mount on top at a path, and whether it serves the policy")
{
    const std::string info =
        "22 1 0:21 / /dev rw,nosuid - devtmpfs devtmpfs rw,size=1000k\n"
        "36 22 0:31 / /dev/hugepages-llm rw,nosuid,nodev,relatime shared:5 - hugetlbfs hugetlbfs "
        "rw,mode=770,pagesize=2M,size=100663296\n"
        "40 22 0:35 / /dev/other rw - tmpfs tmpfs rw\n"
        "41 22 0:36 / /dev/other rw - hugetlbfs none rw,pagesize=1024M\n";
    auto e = memory::mount_at(info, "/dev/hugepages-llm");
    REQUIRE(e);
    CHECK(e->fstype == "hugetlbfs");
    CHECK(memory::super_option(*e, "pagesize") == "2M");
    policy::HugetlbfsMount want{"/dev/hugepages-llm", 2048, {}, {}, {}, {}, {}};
    CHECK_FALSE(memory::mount_mismatch(*e, want));
    auto top = memory::mount_at(info, "/dev/other");
    REQUIRE(top);
    CHECK(top->fstype == "hugetlbfs");  // the later line is on top
    want.path = "/dev/other";
    auto why = memory::mount_mismatch(*top, want);
    REQUIRE(why);
    CHECK(why->find("pagesize=1024M") != std::string::npos);
    auto dev = memory::mount_at(info, "/dev");
    REQUIRE(dev);
    CHECK(*memory::mount_mismatch(*dev, want) == "a devtmpfs file system is already mounted there");
    CHECK_FALSE(memory::mount_at(info, "/dev/none"));
}

TEST_CASE("per-size THP knobs, and the kernel command line pins that the policy overrides")
{
    policy::Diagnostics d;
    auto p = parse(kTwoClasses, d);
    REQUIRE(p);
    auto knobs = memory::plan(p->memory);
    REQUIRE(knobs.size() == 1);
    CHECK(knobs[0].path == "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled");
    CHECK(knobs[0].value == "always");
    auto m = machine();
    m.mthp_kb.clear();
    policy::Diagnostics d2;
    CHECK_FALSE(policy::validate(*p, m, d2));
    CHECK(has_error(d2, "/memory/thp/sizes/64K", "Linux 6.8"));
    policy::Diagnostics d3;
    parse(R"({ "classes": [ { "name": "b", "match": [ { "default": true } ] } ],
               "memory": { "thp": { "sizes": { "3K": "always", "64K": "sometimes" } } } })",
          d3);
    CHECK(has_error(d3, "/memory/thp/sizes/3K", "not a page size"));
    CHECK(has_error(d3, "/memory/thp/sizes/64K", "unknown value"));

    policy::MemorySpec spec;
    spec.thp["enabled"] = "madvise";
    auto notes = memory::cmdline_pins("BOOT_IMAGE=/vmlinuz root=/dev/sda1 transparent_hugepage=never quiet\n", spec);
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].find("transparent_hugepage=never") != std::string::npos);
    CHECK(memory::cmdline_pins("transparent_hugepage_shmem=always hugepages=16", spec).empty());
    spec.hugetlb.push_back({});
    CHECK(memory::cmdline_pins("hugepages=16", spec).size() == 1);
}
