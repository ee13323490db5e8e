// Path resolution: everything relative is relative to the config file's
// directory; bare plugin file names go to plugin_dir; results are absolute and
// normalised. Plugin files are not required to exist here.
#include "config_test_util.h"

namespace wshost::test
{
namespace
{

TEST_F(ConfigTest, BarePluginNameUsesDefaultPluginDir)
{
    Config c = ok("[[plugin]]\nname = \"a\"\npath = \"a.so\"\n");
    ASSERT_EQ(c.plugins.size(), 1u);
    EXPECT_EQ(c.plugins[0].path, "a.so"); // as written
    EXPECT_EQ(c.plugins[0].resolved, (dir_ / "plugins/a.so").string());
}

TEST_F(ConfigTest, RelativePluginDirIsRelativeToConfigDir)
{
    Config c = ok("plugin_dir = \"lib/../mods/\"\n[[plugin]]\nname = \"a\"\npath = \"a.so\"\n");
    EXPECT_EQ(c.plugin_dir, (dir_ / "mods").string());
    EXPECT_EQ(c.plugins[0].resolved, (dir_ / "mods/a.so").string());
}

TEST_F(ConfigTest, AbsolutePluginDirIsNormalised)
{
    Config c = ok("plugin_dir = \"/opt//wshost/./plugins/\"\n[[plugin]]\nname = \"a\"\npath = \"a.so\"\n");
    EXPECT_EQ(c.plugin_dir, "/opt/wshost/plugins");
    EXPECT_EQ(c.plugins[0].resolved, "/opt/wshost/plugins/a.so");
}

TEST_F(ConfigTest, PluginPathWithSlashIsRelativeToConfigDirNotPluginDir)
{
    Config c = ok(R"(plugin_dir = "/opt/plugins"
[[plugin]]
name = "a"
path = "./local/a.so"
[[plugin]]
name = "b"
path = "../other/b.so"
[[plugin]]
name = "c"
path = "/usr//lib/./wshost/c.so"
)");
    ASSERT_EQ(c.plugins.size(), 3u);
    EXPECT_EQ(c.plugins[0].resolved, (dir_ / "local/a.so").string());
    EXPECT_EQ(c.plugins[1].resolved, (dir_.parent_path() / "other/b.so").string());
    EXPECT_EQ(c.plugins[2].resolved, "/usr/lib/wshost/c.so");
    EXPECT_EQ(c.plugins[2].path, "/usr//lib/./wshost/c.so");
}

TEST_F(ConfigTest, FilePathsAreResolvedAgainstConfigDir)
{
    Config c = ok(R"(
[server.tls]
enabled = true
cert_file = "tls/cert.pem"
key_file = "/etc/wshost/key.pem"
[control]
socket = "run/control.sock"
[log]
file = "../logs/wshost.log"
)");
    EXPECT_EQ(c.server.tls.cert_file, (dir_ / "tls/cert.pem").string());
    EXPECT_EQ(c.server.tls.key_file, "/etc/wshost/key.pem");
    EXPECT_EQ(c.control.socket, (dir_ / "run/control.sock").string());
    EXPECT_EQ(c.log.file, (dir_.parent_path() / "logs/wshost.log").string());
}

TEST_F(ConfigTest, EmptyPathsStayEmpty)
{
    Config c = ok("[log]\nfile = \"\"\n[server.tls]\ncert_file = \"\"\n[control]\nsocket = \"\"\n");
    EXPECT_EQ(c.log.file, "");
    EXPECT_EQ(c.server.tls.cert_file, "");
    EXPECT_EQ(c.control.socket, "");
}

TEST_F(ConfigTest, ConfigGivenByRelativePath)
{
    write("sub/w.toml", "[[plugin]]\nname = \"a\"\npath = \"a.so\"\n[log]\nlevel = \"loud\"\n");
    write("sub/ok.toml", "[[plugin]]\nname = \"a\"\npath = \"a.so\"\n");
    const std::string rel = std::filesystem::relative(dir_ / "sub/ok.toml").string();
    ASSERT_FALSE(std::filesystem::path(rel).is_absolute());
    ConfigLoad r = load_config(rel);
    ASSERT_TRUE(r.config.has_value());
    EXPECT_EQ(r.config->file, rel); // as given
    EXPECT_EQ(r.config->dir, (dir_ / "sub").string());
    EXPECT_EQ(r.config->plugins[0].resolved, (dir_ / "sub/plugins/a.so").string());

    const std::string bad = std::filesystem::relative(dir_ / "sub/w.toml").string();
    ConfigLoad e = load_config(bad);
    ASSERT_EQ(e.errors.size(), 1u);
    EXPECT_EQ(e.errors[0].format(),
              bad + ":5:9: 'level' must be one of error, warn, info, debug (got 'loud')");
}

TEST(ConfigErrorFormat, FileLineColMessage)
{
    EXPECT_EQ((ConfigError{{"etc/x.toml", 3, 7}, "boom"}).format(), "etc/x.toml:3:7: boom");
    EXPECT_EQ((ConfigError{{"x.toml", 0, 0}, "gone"}).format(), "x.toml:0:0: gone");
}

} // namespace
} // namespace wshost::test
