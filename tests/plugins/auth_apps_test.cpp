// The auth-apps example (plugins/auth-apps) on the test kit: its verdicts
// come from the plugin's own worker thread, so every test waits for them.
#include "kit_helpers.h"

namespace
{
using kit_helpers::Kit;
using kit_helpers::str;

constexpr int kWaitMs = 10000; // a bound for a broken plugin, never a pace

const char *const kConfig = R"({"query_credentials":true,"applications":[)"
                            R"({"key":"analytics","secret":"s3cret"},)"
                            R"({"key":"closed","secret":"x","authorize_open":false}]})";

class AuthApps : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(wsh_testkit_load(kit, AUTH_APPS_SO, "auth-apps", kConfig), WSH_OK)
            << wsh_testkit_error(kit);
        ASSERT_TRUE(wsh_testkit_has_authenticator(kit));
    }
    // Runs the authenticator with these headers / query and waits for its verdict.
    wsh_testkit_verdict upgrade(std::vector<wsh_tag> headers, const char *query = nullptr)
    {
        wsh_testkit_upgrade up{};
        up.struct_size = sizeof up;
        up.headers = headers.data();
        up.headers_count = headers.size();
        up.query = query;
        wsh_testkit_verdict v;
        const wsh_auth_id auth = wsh_testkit_authenticate(kit, &up, &v);
        EXPECT_NE(auth, 0u) << wsh_testkit_error(kit);
        EXPECT_TRUE(wsh_testkit_wait_verdict(kit, auth, kWaitMs, &v)) << "no verdict";
        return v;
    }
    Kit kit;
};

TEST_F(AuthApps, ValidCredentialsAreAcceptedWithTheApplicationTag)
{
    const wsh_testkit_verdict v =
        upgrade({{WSH_STR("X-App-Key"), WSH_STR("analytics")}, {WSH_STR("x-app-secret"), WSH_STR("s3cret")}});
    ASSERT_EQ(v.kind, WSH_TESTKIT_VERDICT_ACCEPT) << str(v.reason);
    EXPECT_EQ(v.authenticator_status, WSH_OK);
    EXPECT_EQ(str(v.user_id), "app:analytics");
    ASSERT_EQ(v.tags_count, 1u);
    EXPECT_EQ(str(v.tags[0].key), "application");
    EXPECT_EQ(str(v.tags[0].value), "analytics");
    // Admitted: live, with the user id and tag the host keeps, and the hook ran.
    ASSERT_TRUE(v.admitted);
    EXPECT_TRUE(wsh_testkit_is_live(kit, v.conn));
    wsh_str tag;
    ASSERT_TRUE(wsh_testkit_tag_of(kit, v.conn, "application", &tag));
    EXPECT_EQ(str(tag), "analytics");
    size_t cursor = 0;
    wsh_testkit_event hook;
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_HOOK, &cursor, &hook));
    EXPECT_EQ(hook.code, WSH_HOOK_AUTHENTICATED);
    EXPECT_EQ(hook.conn, v.conn);
    EXPECT_EQ(str(hook.user), "app:analytics");
}

TEST_F(AuthApps, WrongSecretUnknownKeyAndClosedApplicationAreRejected)
{
    struct Case {
        const char *key, *secret, *reason;
    } cases[] = {{"analytics", "nope", "wrong secret"},
                 {"who", "s3cret", "unknown application key"},
                 {"closed", "x", "application may not open connections"}};
    for (const Case &c : cases) {
        const wsh_testkit_verdict v =
            upgrade({{WSH_STR("x-app-key"), WSH_STR(c.key)}, {WSH_STR("x-app-secret"), WSH_STR(c.secret)}});
        EXPECT_EQ(v.kind, WSH_TESTKIT_VERDICT_REJECT) << c.key;
        EXPECT_EQ(str(v.reason), c.reason);
        EXPECT_FALSE(v.admitted);
        EXPECT_FALSE(wsh_testkit_is_live(kit, v.conn));
    }
}

TEST_F(AuthApps, NoCredentialsIsAnonymousAdmittedOnlyWhenAllowed)
{
    wsh_testkit_verdict v = upgrade({});
    EXPECT_EQ(v.kind, WSH_TESTKIT_VERDICT_ANONYMOUS);
    EXPECT_TRUE(v.admitted); // the host's default: allow_anonymous = true
    wsh_testkit_allow_anonymous(kit, 0);
    v = upgrade({});
    EXPECT_EQ(v.kind, WSH_TESTKIT_VERDICT_ANONYMOUS);
    EXPECT_FALSE(v.admitted);
    EXPECT_EQ(str(v.reason), "anonymous not allowed");
}

TEST_F(AuthApps, QueryCredentialsWhenEnabled)
{
    const wsh_testkit_verdict v = upgrade({}, "x=1&key=analytics&secret=s3cret");
    EXPECT_EQ(v.kind, WSH_TESTKIT_VERDICT_ACCEPT) << str(v.reason);
}

TEST_F(AuthApps, AVerdictAfterTheTimeoutIsGone)
{
    // Many upgrades at once: the worker answers them in order, from its thread.
    std::vector<wsh_auth_id> ids;
    for (int i = 0; i < 50; ++i) {
        wsh_testkit_upgrade up{};
        up.struct_size = sizeof up;
        ids.push_back(wsh_testkit_authenticate(kit, &up, nullptr));
    }
    for (wsh_auth_id id : ids) {
        wsh_testkit_verdict v;
        ASSERT_TRUE(wsh_testkit_wait_verdict(kit, id, kWaitMs, &v));
        EXPECT_EQ(v.kind, WSH_TESTKIT_VERDICT_ANONYMOUS);
    }
    EXPECT_EQ(wsh_testkit_expire_verdict(kit, ids[0]), 0); // already given
}

TEST(AuthAppsConfig, UnknownKeyFailsInit)
{
    Kit kit;
    EXPECT_EQ(wsh_testkit_load(kit, AUTH_APPS_SO, "auth-apps", R"({"apps":[]})"), WSH_E_FAILED);
    EXPECT_EQ(wsh_testkit_init_status(kit), WSH_E_INVALID);
    EXPECT_TRUE(wsh_testkit_logged(kit, "unknown config key"));
    EXPECT_FALSE(wsh_testkit_has_authenticator(kit));
}

} // namespace
