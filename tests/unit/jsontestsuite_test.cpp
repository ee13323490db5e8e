// JSONTestSuite (github.com/nst/JSONTestSuite) test_parsing corpus:
//   y_*  must be accepted, alone and wrapped as a payload member;
//   n_*  must be rejected, and as a whole frame give invalid_json;
//   i_*  implementation-defined: must only not crash.
// The corpus lives outside the repository; without it the tests are skipped.
#include "protocol/envelope.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifndef WSHOST_JSONTESTSUITE_DIR
#error "WSHOST_JSONTESTSUITE_DIR must name JSONTestSuite/test_parsing"
#endif

namespace fs = std::filesystem;
using wshost::EnvelopeError;

namespace
{

struct Case {
    std::string name;
    std::string text;
};

// Files of the corpus whose name starts with `prefix`, sorted by name.
std::vector<Case> corpus(const std::string &prefix)
{
    std::vector<Case> cases;
    for (const auto &entry : fs::directory_iterator(WSHOST_JSONTESTSUITE_DIR)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || name.rfind(prefix, 0) != 0 || entry.path().extension() != ".json")
            continue;
        std::ifstream in(entry.path(), std::ios::binary);
        cases.push_back({name, std::string(std::istreambuf_iterator<char>(in), {})});
    }
    std::sort(cases.begin(), cases.end(), [](const Case &a, const Case &b) { return a.name < b.name; });
    return cases;
}

#define SKIP_WITHOUT_CORPUS()                                                                                \
    do {                                                                                                     \
        if (!fs::is_directory(WSHOST_JSONTESTSUITE_DIR))                                                     \
            GTEST_SKIP() << "JSONTestSuite corpus not found at " WSHOST_JSONTESTSUITE_DIR;                   \
    } while (0)

const char *name(EnvelopeError e)
{
    return e == EnvelopeError::none           ? "none"
           : e == EnvelopeError::invalid_json ? "invalid_json"
                                              : "invalid_message";
}

TEST(JSONTestSuite, AcceptsEveryYFile)
{
    SKIP_WITHOUT_CORPUS();
    const auto cases = corpus("y_");
    ASSERT_GE(cases.size(), 90u) << "corpus looks incomplete";
    for (const auto &c : cases) {
        EXPECT_TRUE(wshost::is_json_value(c.text)) << c.name;
        const auto r = wshost::parse_envelope(R"({"action":"a","payload":{"v":)" + c.text + "}}");
        EXPECT_EQ(r.error, EnvelopeError::none) << c.name << ": " << r.message;
    }
}

TEST(JSONTestSuite, RejectsEveryNFile)
{
    SKIP_WITHOUT_CORPUS();
    const auto cases = corpus("n_");
    ASSERT_GE(cases.size(), 180u) << "corpus looks incomplete";
    for (const auto &c : cases) {
        EXPECT_FALSE(wshost::is_json_value(c.text)) << c.name;
        EXPECT_FALSE(wshost::is_json_object(c.text)) << c.name;
        const auto r = wshost::parse_envelope(c.text);
        EXPECT_EQ(r.error, EnvelopeError::invalid_json)
            << c.name << ": " << name(r.error) << " " << r.message;
        EXPECT_TRUE(r.request_id_json.empty()) << c.name;
        // Inside a payload it is just as invalid.
        const auto w = wshost::parse_envelope(R"({"action":"a","payload":{"v":)" + c.text + "}}");
        EXPECT_EQ(w.error, EnvelopeError::invalid_json) << c.name << " (wrapped): " << w.message;
    }
}

TEST(JSONTestSuite, ImplementationDefinedFilesDoNotCrash)
{
    SKIP_WITHOUT_CORPUS();
    const auto cases = corpus("i_");
    ASSERT_GE(cases.size(), 30u) << "corpus looks incomplete";
    for (const auto &c : cases) {
        const bool value = wshost::is_json_value(c.text);
        const auto r = wshost::parse_envelope(c.text);
        // Whatever is decided, both entry points agree on what is JSON.
        if (value) {
            EXPECT_NE(r.error, EnvelopeError::invalid_json) << c.name;
        }
        wshost::parse_envelope(R"({"action":"a","payload":{"v":)" + c.text + "}}");
    }
}

} // namespace
