// SPDX-License-Identifier: GPL-2.0-only
// A temporary directory tree for the tests of effectful units (oomd's
// fixture style): created empty, removed with everything in it.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <stdlib.h>

class FixtureRoot {
public:
    FixtureRoot()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "llm-fixture-XXXXXX").string();
        path_ = mkdtemp(tmpl.data()) ? tmpl : std::string();
    }
    ~FixtureRoot()
    {
        std::error_code ec;
        if (!path_.empty())
            std::filesystem::remove_all(path_, ec);
    }
    FixtureRoot(const FixtureRoot&) = delete;
    FixtureRoot& operator=(const FixtureRoot&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::string at(const std::string& rel) const { return path_ + rel; }
    void mkdir(const std::string& rel) const { std::filesystem::create_directories(at(rel)); }
    void write(const std::string& rel, const std::string& text) const
    {
        std::filesystem::create_directories(std::filesystem::path(at(rel)).parent_path());
        std::ofstream(at(rel)) << text;
    }
    [[nodiscard]] std::string read(const std::string& rel) const
    {
        std::ifstream f(at(rel));
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
    void symlink(const std::string& target, const std::string& rel) const
    {
        std::filesystem::create_symlink(target, at(rel));
    }

private:
    std::string path_;
};
