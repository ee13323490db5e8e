// Helpers of the control API: strict body parsing, ids, percent
// decoding, and the metrics registry's exposition details.
#include "control/control_json.h"
#include "base/metrics.h"

#include <gtest/gtest.h>

using namespace wshost;
using control::JsonValue;

namespace
{

bool parses(std::string_view text)
{
    JsonValue v;
    std::string why;
    return control::parse_json(text, v, why);
}

} // namespace

TEST(ControlJson, KeepsIntegerTextAndRefusesWhatCJsonAccepts)
{
    JsonValue v;
    std::string why;
    ASSERT_TRUE(
        control::parse_json(R"({"a":9007199254740993,"b":[1,"x",true,null],"c":{"d":-0.5e3}})", v, why));
    ASSERT_TRUE(v.is(JsonValue::Type::object));
    EXPECT_EQ(v.find("a")->text, "9007199254740993");
    EXPECT_EQ(v.find("b")->items.size(), 4u);
    EXPECT_TRUE(v.find("b")->items[2].boolean);
    EXPECT_EQ(v.find("c")->find("d")->text, "-0.5e3");

    EXPECT_FALSE(control::parse_json(R"({"a":1,"a":2})", v, why));
    EXPECT_NE(why.find("duplicate key \"a\""), std::string::npos);
    EXPECT_FALSE(control::parse_json(R"({"a":{"b":1,"b":1}})", v, why)); // nested duplicates too
    EXPECT_FALSE(parses(R"({"a":1} x)"));
    EXPECT_FALSE(parses(R"({"a":01})"));
    EXPECT_FALSE(parses("{\"a\":\"\xff\"}"));
    EXPECT_FALSE(parses(std::string(200, '[') + std::string(200, ']'))); // too deep
    EXPECT_TRUE(parses(" [] "));
}

TEST(ControlJson, IntegersAndConnectionIds)
{
    EXPECT_TRUE(control::is_integer_literal("42"));
    EXPECT_TRUE(control::is_integer_literal("-7"));
    EXPECT_FALSE(control::is_integer_literal("-0"));
    EXPECT_FALSE(control::is_integer_literal("4.0"));
    EXPECT_FALSE(control::is_integer_literal("1e3"));

    wsh_conn_id id = 0;
    EXPECT_TRUE(control::parse_conn_id("17", id));
    EXPECT_EQ(id, 17u);
    EXPECT_TRUE(control::parse_conn_id("18446744073709551615", id));
    EXPECT_EQ(id, UINT64_MAX);
    EXPECT_FALSE(control::parse_conn_id("18446744073709551616", id));
    EXPECT_FALSE(control::parse_conn_id("0", id));
    EXPECT_FALSE(control::parse_conn_id("017", id));
    EXPECT_FALSE(control::parse_conn_id("-1", id));
    EXPECT_FALSE(control::parse_conn_id("", id));
    EXPECT_FALSE(control::parse_conn_id("1.0", id));
}

TEST(ControlJson, PercentDecoding)
{
    std::string out;
    EXPECT_TRUE(control::percent_decode("caf%C3%A9%2f", out));
    EXPECT_EQ(out, "caf\xc3\xa9/");
    EXPECT_FALSE(control::percent_decode("a%2", out));
    EXPECT_FALSE(control::percent_decode("a%zz", out));
    EXPECT_TRUE(control::percent_decode("a+b", out));
    EXPECT_EQ(out, "a+b"); // '+' is not a space in a path
}

TEST(Metrics, EveryNameWithHelpAndTypeEvenWithoutSamples)
{
    metrics::reset_for_tests();
    Stats empty;
    const std::string text = metrics::render(empty);
    for (const char *name :
         {"wshost_connections", "wshost_connections_opened_total", "wshost_connections_closed_total",
          "wshost_auth_total", "wshost_messages_received_total", "wshost_messages_sent_total",
          "wshost_bytes_received_total", "wshost_bytes_sent_total", "wshost_actions_total",
          "wshost_action_duration_seconds", "wshost_deliveries_total", "wshost_dropped_total",
          "wshost_queue_bytes", "wshost_control_requests_total", "wshost_reloads_total",
          "wshost_reload_generation", "wshost_build_info"}) {
        EXPECT_NE(text.find(std::string("# HELP ") + name + " "), std::string::npos) << name;
        EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
    }
    EXPECT_NE(text.find("\nwshost_connections_opened_total 0\n"), std::string::npos);
    EXPECT_NE(text.find("\nwshost_dropped_total{reason=\"slow_consumer\"} 0\n"), std::string::npos);
    EXPECT_NE(text.find("\nwshost_reload_generation 1\n"), std::string::npos);
    EXPECT_NE(text.find("wshost_build_info{version=\""), std::string::npos);
}

TEST(Metrics, HistogramIsCumulativeAndLabelsAreEscaped)
{
    metrics::reset_for_tests();
    metrics::action("echo", "success", 0.0004);
    metrics::action("echo", "success", 0.003);
    metrics::action("echo", "handler_timeout", 30);
    metrics::action("a\"b\\c\nd", "success", 0.001);
    metrics::closed(1000);
    metrics::closed(1000);
    metrics::control("/v1/rooms/{room}/join", 404);
    const std::string text = metrics::render(Stats{});
    EXPECT_NE(text.find("wshost_action_duration_seconds_bucket{action=\"echo\",le=\"0.0005\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("wshost_action_duration_seconds_bucket{action=\"echo\",le=\"0.005\"} 2\n"),
              std::string::npos);
    EXPECT_NE(text.find("wshost_action_duration_seconds_bucket{action=\"echo\",le=\"10\"} 2\n"),
              std::string::npos);
    EXPECT_NE(text.find("wshost_action_duration_seconds_bucket{action=\"echo\",le=\"+Inf\"} 3\n"),
              std::string::npos);
    EXPECT_NE(text.find("wshost_action_duration_seconds_count{action=\"echo\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("wshost_actions_total{action=\"echo\",status=\"handler_timeout\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("wshost_actions_total{action=\"a\\\"b\\\\c\\nd\",status=\"success\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("wshost_connections_closed_total{code=\"1000\"} 2\n"), std::string::npos);
    EXPECT_NE(
        text.find("wshost_control_requests_total{endpoint=\"/v1/rooms/{room}/join\",status=\"404\"} 1\n"),
        std::string::npos);
}

TEST(Metrics, LabelSetsAreCapped)
{
    metrics::reset_for_tests();
    for (std::size_t i = 0; i < metrics::kMaxLabelSets + 50; ++i)
        metrics::auth("r" + std::to_string(i));
    const std::string text = metrics::render(Stats{});
    EXPECT_NE(text.find("wshost_auth_total{result=\"_other\"} 50\n"), std::string::npos);
    EXPECT_EQ(text.find("result=\"r" + std::to_string(metrics::kMaxLabelSets + 10) + "\""),
              std::string::npos);
    metrics::reset_for_tests();
}
