// Helpers for the config tests: a private temp directory per test and short
// ways to load a TOML string from it.
#pragma once

#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace wshost::test
{

class ConfigTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "wshost-config-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    // Writes `content` to dir_/name (creating parent dirs); returns the path.
    std::string write(const std::string &name, const std::string &content)
    {
        std::filesystem::path p = dir_ / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }

    ConfigLoad load(const std::string &toml, const std::string &name = "wshost.toml")
    {
        return load_config(write(name, toml));
    }

    // Loads and expects success.
    Config ok(const std::string &toml)
    {
        ConfigLoad r = load(toml);
        EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].format());
        return r.config ? *r.config : Config{};
    }

    // Loads and returns the errors as "LINE:COL: message" (the file is dir_/wshost.toml).
    std::vector<std::string> errors(const std::string &toml)
    {
        ConfigLoad r = load(toml);
        EXPECT_FALSE(r.config.has_value());
        std::vector<std::string> out;
        for (const ConfigError &e : r.errors) {
            EXPECT_EQ(e.pos.file, (dir_ / "wshost.toml").string());
            out.push_back(std::to_string(e.pos.line) + ":" + std::to_string(e.pos.col) + ": " + e.message);
        }
        return out;
    }

    // The one error of `toml`, as "LINE:COL: message".
    std::string error(const std::string &toml)
    {
        std::vector<std::string> e = errors(toml);
        EXPECT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
        return e.empty() ? std::string() : e[0];
    }

    std::filesystem::path dir_;
};

} // namespace wshost::test
