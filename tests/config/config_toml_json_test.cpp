// [plugin.config] -> JSON text: exact integers, floats, strings, arrays,
// nested tables, dates.
#include "config_test_util.h"
#include "config/config_toml_json.h"

namespace wshost::test
{
namespace
{

std::string json_of(std::string_view toml)
{
    toml::table t = toml::parse(toml, std::string_view{"t.toml"});
    std::vector<std::string> errs;
    std::string out = cfg::toml_to_json(t, [&](const toml::node &, std::string m) { errs.push_back(m); });
    EXPECT_TRUE(errs.empty()) << ::testing::PrintToString(errs);
    return out;
}

TEST(TomlJson, Scalars)
{
    EXPECT_EQ(json_of(""), "{}");
    EXPECT_EQ(json_of("a = 1\nb = -42\nc = true\nd = false"), R"({"a":1,"b":-42,"c":true,"d":false})");
    EXPECT_EQ(json_of("big = 9007199254740993"), R"({"big":9007199254740993})");
    EXPECT_EQ(json_of("min = -9223372036854775808\nmax = 9223372036854775807"),
              R"({"max":9223372036854775807,"min":-9223372036854775808})");
    EXPECT_EQ(json_of("hex = 0xff\nu = 1_000"), R"({"hex":255,"u":1000})");
    EXPECT_EQ(json_of("f = 1.5\ng = 1.0\nh = -0.0\ni = 1e300\nj = 0.1"),
              R"({"f":1.5,"g":1.0,"h":-0.0,"i":1e+300,"j":0.1})");
}

TEST(TomlJson, StringsAreEscaped)
{
    EXPECT_EQ(
        json_of(
            R"(s = "quote \" backslash \\ tab \t nl \n cr \r bs \b ff \f nul \u0000 esc \u001b del \u007f")"),
        R"({"s":"quote \" backslash \\ tab \t nl \n cr \r bs \b ff \f nul \u0000 esc \u001b del \u007f"})");
    EXPECT_EQ(json_of("s = 'C:\\path'"), R"({"s":"C:\\path"})");
    EXPECT_EQ(json_of("s = \"h\u00e9llo \u20ac \U0001F600 /\""),
              "{\"s\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 /\"}");
    EXPECT_EQ(json_of("\"we\\\"ird key\" = 1"), R"({"we\"ird key":1})");
    EXPECT_EQ(json_of("m = \"\"\"\nline1\nline2\"\"\""), R"({"m":"line1\nline2"})");
}

TEST(TomlJson, ArraysAndNestedTables)
{
    EXPECT_EQ(json_of("a = [1, \"two\", 3.5, [true], {x = 1}]\n"), R"({"a":[1,"two",3.5,[true],{"x":1}]})");
    EXPECT_EQ(json_of("e = []\nt = {}"), R"({"e":[],"t":{}})");
    EXPECT_EQ(json_of("[db]\nhost = \"h\"\n[db.pool]\nsize = 9007199254740993\n[[db.replicas]]\nport = "
                      "1\n[[db.replicas]]\nport = 2\n"),
              R"({"db":{"host":"h","pool":{"size":9007199254740993},"replicas":[{"port":1},{"port":2}]}})");
}

TEST(TomlJson, DatesAreStrings)
{
    EXPECT_EQ(
        json_of("d = 1979-05-27\nt = 07:32:00\nodt = 1979-05-27T07:32:00Z\noff = 1979-05-27T00:32:00-07:00\n"
                "ldt = 1979-05-27T07:32:00.5"),
        R"({"d":"1979-05-27","ldt":"1979-05-27T07:32:00.5","odt":"1979-05-27T07:32:00Z",)"
        R"("off":"1979-05-27T00:32:00-07:00","t":"07:32:00"})");
}

TEST(TomlJson, NanAndInfAreErrors)
{
    toml::table t = toml::parse("a = nan\nb = [-inf]", std::string_view{"t.toml"});
    std::vector<std::string> errs;
    EXPECT_EQ(cfg::toml_to_json(t, [&](const toml::node &, std::string m) { errs.push_back(m); }),
              R"({"a":null,"b":[null]})");
    EXPECT_EQ(errs, (std::vector<std::string>{"nan cannot be represented in JSON",
                                              "inf cannot be represented in JSON"}));
}

TEST_F(ConfigTest, PluginConfigBecomesJson)
{
    Config c = ok(R"([[plugin]]
name = "p"
path = "p.so"
[plugin.config]
big = 9007199254740993
greeting = "say \"hi\"\n"
list = [1, 2.5, "x"]
[plugin.config.nested]
on = true
[[plugin]]
name = "q"
path = "q.so"
config = { limit = -1 }
)");
    ASSERT_EQ(c.plugins.size(), 2u);
    EXPECT_EQ(
        c.plugins[0].config_json,
        R"({"big":9007199254740993,"greeting":"say \"hi\"\n","list":[1,2.5,"x"],"nested":{"on":true}})");
    EXPECT_EQ(c.plugins[1].config_json, R"({"limit":-1})");
}

} // namespace
} // namespace wshost::test
