// The upgrade checks the host makes before libwebsockets handles an upgrade
// (upgrade_checks.h): each rule alone, on an otherwise good request.
#include "transport/subprotocols.h"
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
    auto with = [](const std::string &list) {
        UpgradeHeaders h = good();
        h.protocols = list;
        return status(h);
    };
    EXPECT_EQ(with("wshost"), 0);
    EXPECT_EQ(with("  "), 0);          // no list
    EXPECT_EQ(with("a, , wshost"), 0); // empty elements are allowed
    EXPECT_EQ(with("chat"), 0);        // whether it is spoken is the endpoint's choice
    EXPECT_EQ(with("http-only"), 0);   // no internal protocol has a token for a name
    EXPECT_EQ(with("1a, v1.0, 2"), 0); // only a first name lws reads as a number is refused
    for (const char *bad : {", ,", ", chat", "http-only/x, wshost", "wshost;q=1", "\"wshost\"", "a b", "1",
                            "1.5, chat", "1.2.3", "caf\xc3\xa9"})
        EXPECT_EQ(with(bad), 400) << bad;
    // lws's buffers: 126 bytes of list, 62 of a name.
    std::string list;
    for (int i = 0; i < 20; ++i)
        list += "p" + std::to_string(100 + i) + ", "; // 120 bytes
    list += "wshost";                                 // 126
    EXPECT_EQ(with(list), 0);
    EXPECT_EQ(with(list + "x"), 400);
    EXPECT_EQ(with(std::string(62, 'b') + ",wshost"), 0);
    EXPECT_EQ(with(std::string(63, 'b') + ",wshost"), 400);
}

TEST(Subprotocols, FirstOfTheClientsThatTheEndpointLists)
{
    EndpointConfig e;
    e.path = "/chat";
    e.subprotocols = {"chat.v2", "chat.v1"};
    SubprotocolChoice c = choose_subprotocol("x, chat.v1, chat.v2", e);
    EXPECT_EQ(c.status, 0);
    EXPECT_EQ(c.selected, "chat.v1"); // the client's order decides (RFC 6455 §4.2.2)
    EXPECT_EQ(c.first_offered, "x");
    EXPECT_EQ(choose_subprotocol(" , chat.v2 ", e).selected, "chat.v2");
    EXPECT_EQ(choose_subprotocol("CHAT.V1", e).status, 400); // names are case-sensitive
    c = choose_subprotocol("", e);
    EXPECT_EQ(c.status, 400); // required by default
    EXPECT_NE(c.reason.find("chat.v2 chat.v1"), std::string::npos);
    EXPECT_EQ(choose_subprotocol("other", e).status, 400);

    e.subprotocol_required = false;
    c = choose_subprotocol("other", e);
    EXPECT_EQ(c.status, 0);
    EXPECT_EQ(c.selected, "");
    EXPECT_EQ(c.first_offered, "other");
    EXPECT_EQ(choose_subprotocol("", e).status, 0);

    EndpointConfig none; // lists none: any client, never a subprotocol
    EXPECT_EQ(choose_subprotocol("chat.v1", none).status, 0);
    EXPECT_EQ(choose_subprotocol("chat.v1", none).selected, "");
    EXPECT_EQ(choose_subprotocol("", none).status, 0);
}

TEST(UpgradeChecks, HeaderTokens)
{
    EXPECT_TRUE(header_has_token("Upgrade", "upgrade"));
    EXPECT_TRUE(header_has_token("keep-alive,upgrade", "upgrade"));
    EXPECT_TRUE(header_has_token(" keep-alive , Upgrade ", "upgrade"));
    EXPECT_FALSE(header_has_token("upgrade-insecure", "upgrade"));
    EXPECT_FALSE(header_has_token("", "upgrade"));
}
