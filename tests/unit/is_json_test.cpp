// is_json_value() and is_json_object(): the strict validators the host checks
// plugin replies with, depth cap included.
#include "protocol/envelope.h"
#include "envelope_checks.h"

#include <gtest/gtest.h>

#include <string>

using envelope_checks::nested_arrays;

namespace
{

TEST(Envelope, IsJsonValueDepthCap)
{
    using wshost::kMaxJsonDepth;
    EXPECT_TRUE(wshost::is_json_value(nested_arrays(kMaxJsonDepth)));
    EXPECT_FALSE(wshost::is_json_value(nested_arrays(kMaxJsonDepth + 1)));
    std::string objs;
    for (int i = 0; i < kMaxJsonDepth; ++i)
        objs += "{\"a\":";
    objs += "1" + std::string(kMaxJsonDepth, '}');
    EXPECT_TRUE(wshost::is_json_object(objs));
    EXPECT_FALSE(wshost::is_json_object("{\"a\":" + objs + "}"));
}

TEST(IsJson, ValuesAndObjects)
{
    using wshost::is_json_object;
    using wshost::is_json_value;
    EXPECT_TRUE(is_json_object("{}"));
    EXPECT_TRUE(is_json_object(" \n{\"a\":[1,{\"b\":null}]}\t "));
    EXPECT_FALSE(is_json_object("[]"));
    EXPECT_FALSE(is_json_object("\"{}\""));
    EXPECT_FALSE(is_json_object(""));
    EXPECT_FALSE(is_json_object("{} {}"));
    EXPECT_FALSE(is_json_object("{\"a\":1,\"a\"}"));
    EXPECT_TRUE(is_json_object("{\"a\":1,\"a\":2}")); // duplicates are only an envelope rule
    for (auto v : {"1", "\"s\"", "null", " [ ] ", "{}", "-0.1e-1", "\"\\u00e9\""})
        EXPECT_TRUE(is_json_value(v)) << v;
    for (auto v : {"", " ", "[", "1,", "\"", "nul", "{\"a\"}", "[1]]"})
        EXPECT_FALSE(is_json_value(v)) << v;
}

} // namespace
