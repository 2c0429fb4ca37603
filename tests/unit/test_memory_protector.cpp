// SPDX-License-Identifier: GPL-2.0-only
// The memory protector (service/memory_protector.h) against cgroup files
// held in memory: with no trigger to arm it samples every interval, steps
// a lower class's memory.high down under pressure and never past the
// floor, lifts it when calm, gives a reload's new value back, and puts the
// policy's value back on stop.
#include <catch2/catch_test_macros.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "policy/parser.h"
#include "policy/validate.h"
#include "service/memory_protector.h"

using namespace llm;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr const char* kPressure = "/fixture/llm.slice/train/memory.pressure";
constexpr const char* kCurrent = "/fixture/llm.slice/batch/memory.current";
constexpr const char* kHigh = "/fixture/llm.slice/batch/memory.high";

class CgroupFiles final : public memory::KernelFiles {
public:
    std::map<std::string, std::string> files;
    std::vector<std::pair<std::string, std::string>> writes;
    util::Result<std::string> read(const std::string& path) override
    {
        auto it = files.find(path);
        if (it == files.end())
            return util::error("cannot read " + path);
        return it->second;
    }
    util::Status write(const std::string& path, const std::string& value) override
    {
        writes.emplace_back(path, value);
        files[path] = value;
        return {};
    }
};

std::string pressure(double avg10)
{
    return "some avg10=" + std::to_string(avg10) + " avg60=0.00 avg300=0.00 total=1\n"
           "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
}

policy::Policy load(const std::string& batch_high)
{
    policy::Machine m;
    m.nr_possible_cpus = 2;
    m.online_cpus = {0, 1};
    m.mem_total_bytes = 8ull << 30;
    policy::Diagnostics d;
    auto p = policy::parse_policy(R"({ "classes": [
        { "name": "train", "priority": 90, "match": [ { "comm_prefix": "t" } ],
          "memory": { "protect": { "psi_some_avg10_max": 10, "floor": "400M", "interval_ms": 100 } } },
        { "name": "batch", "priority": 20, "match": [ { "comm_prefix": "b" } ], "memory": { )" + batch_high + R"( } },
        { "name": "rest", "priority": 10, "match": [ { "default": true } ] } ] })",
                                  d);
    REQUIRE(p);
    policy::resolve_and_validate(*p, m, d);
    INFO(d.format("policy"));
    REQUIRE(d.ok());
    return *p;
}

// Ticks until one sample has been taken (the interval is 100 ms).
bool sample(service::MemoryProtector& mp)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(110));
    return mp.tick();
}

}  // namespace

TEST_CASE("memory protector: lowers a lower class under pressure, never past the floor, lifts it when calm")
{
    CgroupFiles f;
    f.files[kPressure] = pressure(0);
    f.files[kCurrent] = std::to_string(600 * kMiB) + "\n";
    service::MemoryProtector mp(f, "/fixture");
    mp.reset(load(""));
    auto j = mp.to_json();
    CHECK(j["protectors"][0]["trigger"].get<std::string>().find("not armed") != std::string::npos);
    CHECK(mp.next_deadline());  // no trigger: it samples every interval

    CHECK(!sample(mp));  // calm: nothing written
    CHECK(f.writes.empty());

    f.files[kPressure] = pressure(25);
    CHECK(sample(mp));
    CHECK(f.files[kHigh] == std::to_string(540 * kMiB));
    for (int i = 0; i < 12; ++i)
        (void)sample(mp);
    CHECK(f.files[kHigh] == std::to_string(400 * kMiB));  // at the floor, not under it
    for (const auto& [path, value] : f.writes)
        CHECK(std::stoull(value) >= 400 * kMiB);
    j = mp.to_json();
    CHECK(j["lower"][0]["memory_high"] == 400 * kMiB);
    CHECK(j["lower"][0]["protected_by"][0] == "train");
    CHECK(mp.to_text().find("memory protect batch: memory.high 400M (held down)") != std::string::npos);
    CHECK(mp.prometheus().find("llm_schedd_memory_protect_high_bytes{class=\"batch\"} 419430400") != std::string::npos);

    f.files[kPressure] = pressure(1);
    for (int i = 0; i < 30 && f.files[kHigh] != "max"; ++i)
        (void)sample(mp);
    CHECK(f.files[kHigh] == "max");  // climbed back and lifted to the policy's value
    CHECK(mp.to_json()["lower"][0]["memory_high"].is_null());
}

TEST_CASE("memory protector: a reload gives the new policy's value back; stop gives the policy's value back")
{
    CgroupFiles f;
    f.files[kPressure] = pressure(50);
    f.files[kCurrent] = std::to_string(600 * kMiB) + "\n";
    service::MemoryProtector mp(f, "/fixture");
    mp.reset(load(""));
    CHECK(sample(mp));
    CHECK(f.files[kHigh] == std::to_string(540 * kMiB));
    mp.reset(load(R"("high": "2G")"));  // reload: batch now has its own high
    CHECK(f.files[kHigh] == std::to_string(2048 * kMiB));
    CHECK(sample(mp));  // the new controller starts from the usage under the 2G high
    CHECK(f.files[kHigh] == std::to_string(540 * kMiB));
    mp.restore();
    CHECK(f.files[kHigh] == std::to_string(2048 * kMiB));
}

TEST_CASE("memory protector: a trigger's POLLPRI from the daemon's poll starts sampling; POLLERR re-arms it")
{
    // A trigger fd that arms (a plain file stands in for memory.pressure);
    // its events come only through the pollfds the daemon hands over,
    // because reading a PSI trigger's state clears its event.
    auto root = std::filesystem::temp_directory_path() / ("llm-protector-" + std::to_string(getpid()));
    std::filesystem::create_directories(root / "llm.slice/train");
    std::ofstream(root / "llm.slice/train/memory.pressure") << "";
    CgroupFiles f;
    auto at = [&](const char* rel) { return (root / rel).string(); };
    f.files[at("llm.slice/train/memory.pressure")] = pressure(40);
    f.files[at("llm.slice/batch/memory.current")] = std::to_string(600 * kMiB);
    service::MemoryProtector mp(f, root.string());
    mp.reset(load(""));
    CHECK(mp.to_json()["protectors"][0]["trigger"] == "armed: some 50000 500000");
    CHECK(!mp.next_deadline());  // armed: nothing is due until it fires
    std::vector<pollfd> polled;
    mp.add_pollfds(polled);
    REQUIRE(polled.size() == 1);

    CHECK(!mp.tick(polled));  // no event: nothing read, nothing written
    CHECK(f.writes.empty());
    polled[0].revents = POLLPRI;
    CHECK(mp.tick(polled));   // fired: sampled at once, 40% is over 10%
    CHECK(f.files[at("llm.slice/batch/memory.high")] == std::to_string(540 * kMiB));
    CHECK(mp.to_json()["protectors"][0]["triggers_fired"] == 1);
    CHECK(mp.next_deadline());  // held down: it samples every interval now

    polled[0].revents = POLLERR;  // its cgroup was removed
    (void)mp.tick(polled);
    CHECK(mp.to_json()["protectors"][0]["trigger"].get<std::string>().find("broken") == 0);
    std::vector<pollfd> after;
    mp.add_pollfds(after);
    CHECK(after.empty());  // the dead fd is out of the poll set
    std::this_thread::sleep_for(std::chrono::milliseconds(110));
    (void)mp.tick();
    CHECK(mp.to_json()["protectors"][0]["rearmed"] == 1);
    CHECK(mp.to_json()["protectors"][0]["trigger"] == "armed: some 50000 500000");
    std::filesystem::remove_all(root);
}
