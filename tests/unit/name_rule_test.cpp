// The name rule (json/name_rule.h): user ids, room names, tag keys and values.
#include "json/name_rule.h"

#include <gtest/gtest.h>

#include <string>

using wshost::valid_name;

TEST(NameRule, OneToTwoHundredFiftySixBytesOfUtf8WithoutNul)
{
    EXPECT_TRUE(valid_name("lobby"));
    EXPECT_TRUE(valid_name("caf\xc3\xa9"));
    EXPECT_TRUE(valid_name(std::string(256, 'x')));
    EXPECT_FALSE(valid_name(""));
    EXPECT_FALSE(valid_name(std::string(257, 'x')));
    EXPECT_FALSE(valid_name(std::string("a\0b", 3)));
    EXPECT_FALSE(valid_name("\xc3"));         // truncated sequence
    EXPECT_FALSE(valid_name("\xff"));         // never UTF-8
    EXPECT_FALSE(valid_name("\xc0\xaf"));     // overlong
    EXPECT_FALSE(valid_name("\xed\xa0\x80")); // an encoded surrogate
}

TEST(NameRule, TheLimitCountsBytesNotCharacters)
{
    std::string e_acute;
    for (int i = 0; i < 128; ++i)
        e_acute += "\xc3\xa9"; // 128 characters, 256 bytes
    EXPECT_TRUE(valid_name(e_acute));
    EXPECT_FALSE(valid_name(e_acute + "\xc3\xa9"));
}
