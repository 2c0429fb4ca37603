// SPDX-License-Identifier: GPL-2.0-only
#include "sched/sched_ext_sysfs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace llm::sched {
namespace {

std::string read_line(const std::string& path)
{
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}

}  // namespace

SchedExtStatus read_sched_ext_status(const std::string& root)
{
    SchedExtStatus st;
    std::error_code ec;
    st.available = std::filesystem::is_directory(root, ec);
    if (!st.available)
        return st;
    st.state = read_line(root + "/state");
    st.ops = read_line(root + "/root/ops");
    st.switch_all = read_line(root + "/switch_all") == "1";
    return st;
}

std::map<std::string, unsigned long long> read_sched_ext_events(const std::string& root)
{
    std::map<std::string, unsigned long long> out;
    std::ifstream f(root + "/root/events");
    std::string name;
    unsigned long long v = 0;
    while (f >> name >> v)
        out[name] = v;
    return out;
}

}  // namespace llm::sched
