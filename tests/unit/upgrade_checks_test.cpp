// The upgrade checks the host makes before libwebsockets handles an upgrade
// (upgrade_checks.h): each rule alone, on an otherwise good request.
#include "transport/upgrade_checks.h"

#include <gtest/gtest.h>

using namespace wshost;

namespace
{

UpgradeHeaders good()
{
    UpgradeHeaders h;
    h.has_host = true;
    h.connection = "Upgrade";
    h.key = "dGhlIHNhbXBsZSBub25jZQ==";
    h.version = "13";
    h.max_header_bytes = 8192;
    h.header_bytes = 300;
    return h;
}

int status(const UpgradeHeaders &h)
{
    return check_upgrade(h).status;
}

} // namespace

TEST(UpgradeChecks, GoodRequestPasses)
{
    EXPECT_EQ(status(good()), 0);
    UpgradeHeaders h = good();
    h.connection = "keep-alive, UPGRADE";
    h.version = " 13 ";
    h.protocols = "chat, wshost";
    EXPECT_EQ(status(h), 0);
}

TEST(UpgradeChecks, MissingPieces)
{
    UpgradeHeaders h = good();
    h.has_host = false;
    EXPECT_EQ(status(h), 400);
    h = good();
    h.connection = "keep-alive";
    EXPECT_EQ(status(h), 400);
    h = good();
    h.key = "";
    EXPECT_EQ(status(h), 400);
    h = good();
    h.version = "";
    EXPECT_EQ(status(h), 400);
}

TEST(UpgradeChecks, KeyIsTheBase64OfSixteenBytes)
{
    EXPECT_TRUE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));
    EXPECT_TRUE(valid_websocket_key(" AAAAAAAAAAAAAAAAAAAAAA== "));
    EXPECT_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ="));  // 23 characters
    EXPECT_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQAA")); // no padding: 18 bytes
    EXPECT_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25j-Q==")); // URL alphabet
    EXPECT_FALSE(valid_websocket_key(""));
}

TEST(UpgradeChecks, OtherVersionsAre426)
{
    for (const char *v : {"8", "12", "14", "13, 8", "x"}) {
        UpgradeHeaders h = good();
        h.version = v;
        EXPECT_EQ(status(h), 426) << v;
    }
}

TEST(UpgradeChecks, OversizedHeadersAre431)
{
    UpgradeHeaders h = good();
    h.header_bytes = 8193;
    EXPECT_EQ(status(h), 431);
    h.header_bytes = 8192;
    EXPECT_EQ(status(h), 0);
    h.max_header_bytes = 0; // no check
    h.header_bytes = 1 << 20;
    EXPECT_EQ(status(h), 0);
}

TEST(UpgradeChecks, SubprotocolLists)
{
    auto with = [](const char *list) {
        UpgradeHeaders h = good();
        h.protocols = list;
        return status(h);
    };
    EXPECT_EQ(with("wshost"), 0);
    EXPECT_EQ(with("  "), 0);          // no list
    EXPECT_EQ(with("a, , wshost"), 0); // empty elements are allowed
    EXPECT_EQ(with("chat"), 400);      // nothing we speak
    EXPECT_EQ(with(", ,"), 400);
    // The vhost's other protocols would be bound past the admission filter.
    EXPECT_EQ(with("http-only"), 400);
    EXPECT_EQ(with("wshost-signal, wshost"), 400);
    EXPECT_EQ(with("http-only/x, wshost"), 400); // lws splits at '/': not a token list
    EXPECT_EQ(with("wshost;q=1"), 400);
    EXPECT_EQ(with("\"wshost\""), 400);
    // lws's buffers: 126 bytes of list, 63 of a name.
    std::string list(120, 'a');
    list += ", wshost"; // 128 bytes
    EXPECT_EQ(with(list.c_str()), 400);
    EXPECT_EQ(with((std::string(63, 'b') + ",wshost").c_str()), 0);
    EXPECT_EQ(with((std::string(64, 'b') + ",wshost").c_str()), 400);
}

TEST(UpgradeChecks, HeaderTokens)
{
    EXPECT_TRUE(header_has_token("Upgrade", "upgrade"));
    EXPECT_TRUE(header_has_token("keep-alive,upgrade", "upgrade"));
    EXPECT_TRUE(header_has_token(" keep-alive , Upgrade ", "upgrade"));
    EXPECT_FALSE(header_has_token("upgrade-insecure", "upgrade"));
    EXPECT_FALSE(header_has_token("", "upgrade"));
}
