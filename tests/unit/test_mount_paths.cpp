// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include "fixture_root.h"
#include "memory/hugetlbfs_mounts.h"
#include "memory/mount_path.h"
#include "memory/mounter.h"
#include "policy/path_rules.h"

using namespace llm;

TEST_CASE("mount paths: system trees, kernel file systems and odd forms are refused from the text alone")
{
    for (const char* bad : {"/", "/etc", "/usr", "/var", "/home", "/boot", "/dev", "/run", "/proc", "/sys", "/root",
                            "/opt", "/srv", "/tmp", "/proc/x", "/sys/fs/hp", "/dev/shm", "/dev/shm/x", "/dev/pts/0",
                            "/run/llm-schedd", "/tmp/hp", "/var/tmp/hp", "/home/u/hp", "/root/hp", "/run/user/0/hp",
                            "relative", "/a/../b", "/a//b", "/a/", "/a b", "/a,b"}) {
        INFO(bad);
        CHECK_FALSE(policy::mount_path_allowed(bad));
    }
    for (const char* good : {"/dev/hugepages-llm", "/mnt/hugepages", "/var/lib/hp", "/srv/models/hp"}) {
        INFO(good);
        CHECK(policy::mount_path_allowed(good));
    }
    CHECK(policy::mount_path_allowed("/etc").error().find("system directory") != std::string::npos);
    CHECK(policy::mount_path_allowed("/tmp/hp").error().find("other users create entries") != std::string::npos);
}

TEST_CASE("mount paths on a tree: a link anywhere, a non-empty directory, an existing /dev directory are refused")
{
    FixtureRoot root;
    root.mkdir("/mnt/empty");
    root.write("/mnt/full/weights.bin", "x");
    root.write("/mnt/file", "x");
    root.symlink(root.at("/mnt/empty"), "/mnt/link");
    root.symlink("/mnt", "/linkdir");
    root.mkdir("/dev/hugepages");
    const std::string mountinfo =
        "36 25 0:32 / /mnt/hp rw,relatime shared:16 - hugetlbfs hugetlbfs rw,pagesize=2M\n"
        "37 25 0:33 / /mnt/tmpfs rw shared:17 - tmpfs tmpfs rw\n"
        "38 25 0:34 / /mnt/big rw - hugetlbfs hugetlbfs rw,pagesize=1024M\n";
    auto usable = [&](const std::string& path, bool ours = false) {
        auto facts = memory::inspect_mount_path(root.path(), path, mountinfo, "2M");
        REQUIRE(facts);
        return policy::mount_path_usable(path, *facts, ours);
    };
    CHECK(usable("/mnt/empty"));
    CHECK(usable("/mnt/new"));                // made now
    CHECK(usable("/mnt/hp"));                 // a matching hugetlbfs in place
    CHECK(usable("/dev/hugepages-llm"));      // a new directory of our own under /dev
    CHECK(usable("/dev/hugepages", true));    // ours, on record
    auto full = usable("/mnt/full");
    REQUIRE_FALSE(full);
    CHECK(full.error().find("1 entry") != std::string::npos);
    CHECK(usable("/mnt/link").error().find("symbolic link /mnt/link") != std::string::npos);
    CHECK(usable("/linkdir/empty").error().find("symbolic link /linkdir") != std::string::npos);
    CHECK(usable("/mnt/file").error().find("not a directory") != std::string::npos);
    CHECK(usable("/mnt/tmpfs").error().find("tmpfs") != std::string::npos);
    CHECK(usable("/mnt/big").error().find("pagesize=1024M") != std::string::npos);
    CHECK(usable("/dev/hugepages").error().find("under /dev") != std::string::npos);
    CHECK(usable("/nope/new").error().find("parent directory") != std::string::npos);
}

TEST_CASE("mount directories are opened and removed without following links")
{
    FixtureRoot root;
    root.mkdir("/mnt/real");
    root.symlink(root.at("/mnt/real"), "/mnt/link");
    bool created = false;
    auto made = memory::open_mount_dir(root.path(), "/mnt/hp", true, &created);
    REQUIRE(made);
    CHECK(created);
    CHECK(std::filesystem::is_directory(root.at("/mnt/hp")));
    CHECK_FALSE(memory::open_mount_dir(root.path(), "/mnt/link", false, &created));
    CHECK_FALSE(memory::open_mount_dir(root.path(), "/mnt/link/x", true, &created));
    CHECK_FALSE(std::filesystem::exists(root.at("/mnt/real/x")));  // nothing made through the link
    CHECK(memory::remove_mount_dir(root.path(), "/mnt/hp"));
    CHECK_FALSE(std::filesystem::exists(root.at("/mnt/hp")));
    CHECK_FALSE(memory::remove_mount_dir(root.path(), "/mnt/link/y"));
}

TEST_CASE("systemd mount unit names escape as systemd-escape --path does")
{
    CHECK(memory::mount_unit_name("/dev/hugepages-llm") == "dev-hugepages\\x2dllm.mount");
    CHECK(memory::mount_unit_name("/mnt/hp") == "mnt-hp.mount");
    CHECK(memory::mount_unit_name("/srv/a b.c") == "srv-a\\x20b.c.mount");
    CHECK(memory::mount_unit_name("/.hidden") == "\\x2ehidden.mount");
}

namespace {

// Records what the mounts ask for; mounts nothing.
class FakeMounter final : public memory::Mounter {
public:
    std::vector<std::string>* log;
    explicit FakeMounter(std::vector<std::string>* l) : log(l) {}
    util::Status mount(const std::string& path, int, const std::string& options) override
    {
        log->push_back("mount " + path + " " + options);
        return util::Status::success();
    }
    util::Status unmount(const std::string& path, bool* busy) override
    {
        *busy = false;
        log->push_back("unmount " + path);
        return util::Status::success();
    }
    bool creates_directories() const override { return false; }
    const char* name() const override { return "fake"; }
};

}  // namespace

TEST_CASE("a refused mount path stops the whole apply before anything is mounted")
{
    FixtureRoot root;
    root.write("/mnt/full/f", "x");
    std::vector<std::string> log;
    memory::HugetlbfsMounts mounts(root.at("/state"), std::make_unique<FakeMounter>(&log), root.path());
    policy::HugetlbfsMount good, bad;
    good.path = "/mnt/ok";
    bad.path = "/mnt/full";
    auto rep = mounts.apply({good, bad});
    REQUIRE(rep.fatal);
    CHECK(rep.fatal->find("/mnt/full") != std::string::npos);
    CHECK(log.empty());
    CHECK_FALSE(std::filesystem::exists(root.at("/mnt/ok")));
    CHECK_FALSE(std::filesystem::exists(root.at("/state/mounts.json")));
}

TEST_CASE("adopted mount records that break the rules are dropped and reported, not used")
{
    FixtureRoot root;
    root.write("/state/mounts.json", R"({ "mounts": {
        "/mnt/hp": { "options": "pagesize=2M", "created_dir": true },
        "/etc": { "options": "pagesize=2M", "created_dir": true },
        "/mnt/odd": { "options": 7 } } })");
    std::vector<std::string> log, dropped;
    memory::HugetlbfsMounts mounts(root.at("/state"), std::make_unique<FakeMounter>(&log), root.path());
    size_t adopted = 0;
    REQUIRE(mounts.adopt(&adopted, &dropped));
    CHECK(adopted == 1);
    REQUIRE(dropped.size() == 3);  // two entries, and where the whole file went
    CHECK((dropped[0] + dropped[1]).find("/etc") != std::string::npos);
    CHECK(dropped[2].find("mounts.json.bad") != std::string::npos);
    CHECK(std::filesystem::exists(root.at("/state/mounts.json.bad")));
    CHECK(root.read("/state/mounts.json").find("/etc") == std::string::npos);  // the good entry stays on record
}
