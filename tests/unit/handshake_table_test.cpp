// HandshakeTable (handshake_table.h): what a handshake holds is released on
// every path, the per-address handshake cap, trusted proxies, and the gauges
// it publishes. The wsi pointers are never dereferenced: any distinct address
// stands for a connection.
#include "auth/handshake_table.h"
#include "base/stats.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

using namespace wshost;

namespace
{

lws *wsi(int n)
{
    return reinterpret_cast<lws *>(static_cast<std::uintptr_t>(0x1000 + 16 * n));
}

struct Table : ::testing::Test {
    WebSocketConfig config;
    ConnectionCaps caps{config};
    HandshakeTable table{caps, config};

    void SetUp() override
    {
        config.max_connections = 3;
        config.max_connections_per_ip = 0;
        config.max_handshakes_per_ip = 2;
    }

    std::unique_ptr<UpgradeRequest> request()
    {
        auto r = std::make_unique<UpgradeRequest>();
        r->address = "a";
        return r;
    }

    void expect_empty()
    {
        EXPECT_EQ(table.in_progress(), 0u);
        EXPECT_EQ(table.requests_held(), 0u);
        EXPECT_EQ(caps.total(), 0u);
        EXPECT_EQ(caps.addresses(), 0u);
        EXPECT_EQ(stats().handshakes_in_progress.load(), 0u);
        EXPECT_EQ(stats().handshake_addresses.load(), 0u);
        EXPECT_EQ(stats().admission_slots.load(), 0u);
    }
};

} // namespace

TEST_F(Table, RefusedAfterTheFilterReleasesEverything)
{
    // lws 4.1.6 refuses a keyless upgrade after the filter: no ESTABLISHED.
    ASSERT_TRUE(table.accepted(wsi(1), "a", false));
    ASSERT_EQ(table.reserve(wsi(1), "a"), HandshakeTable::Reserve::ok);
    table.hold_request(wsi(1), request());
    EXPECT_EQ(table.requests_held(), 1u);
    EXPECT_EQ(caps.total(), 1u);
    EXPECT_EQ(stats().handshake_requests_held.load(), 1u);
    table.destroyed(wsi(1));
    expect_empty();
}

TEST_F(Table, EstablishedConnectionOwnsItsSlot)
{
    ASSERT_TRUE(table.accepted(wsi(1), "a", false));
    ASSERT_EQ(table.reserve(wsi(1), "a"), HandshakeTable::Reserve::ok);
    table.hold_request(wsi(1), request());
    EXPECT_NE(table.established(wsi(1)), nullptr);
    EXPECT_EQ(table.requests_held(), 0u);
    table.admitted(wsi(1));
    EXPECT_EQ(table.in_progress(), 0u);
    EXPECT_EQ(caps.total(), 1u); // the connection's
    table.destroyed(wsi(1));     // its WSI_DESTROY comes later: nothing more to release
    EXPECT_EQ(caps.total(), 1u);
    table.connection_closed("a");
    expect_empty();
}

TEST_F(Table, RejectedConnectionStaysInProgressUntilItCloses)
{
    ASSERT_TRUE(table.accepted(wsi(1), "a", false));
    ASSERT_EQ(table.reserve(wsi(1), "a"), HandshakeTable::Reserve::ok);
    table.hold_request(wsi(1), request());
    table.established(wsi(1));
    EXPECT_EQ(table.in_progress(), 1u); // waiting for (or refused by) the authenticator
    table.connection_closed("a");
    table.destroyed(wsi(1));
    expect_empty();
}

TEST_F(Table, HandshakesPerAddressAreCapped)
{
    EXPECT_TRUE(table.accepted(wsi(1), "a", false));
    EXPECT_TRUE(table.accepted(wsi(2), "a", false));
    EXPECT_FALSE(table.accepted(wsi(3), "a", false)); // the third from "a"
    EXPECT_TRUE(table.accepted(wsi(4), "b", false));
    EXPECT_EQ(table.in_progress(), 3u);
    table.destroyed(wsi(3)); // never recorded: nothing happens
    table.destroyed(wsi(1));
    EXPECT_TRUE(table.accepted(wsi(5), "a", false));
    for (int i : {2, 4, 5})
        table.destroyed(wsi(i));
    expect_empty();
    config.max_handshakes_per_ip = 0; // no cap
    for (int i = 0; i < 10; ++i)
        EXPECT_TRUE(table.accepted(wsi(i), "a", false));
    for (int i = 0; i < 10; ++i)
        table.destroyed(wsi(i));
    expect_empty();
}

TEST_F(Table, BehindATrustedProxyTheClientIsCountedAtTheFilter)
{
    for (int i = 1; i <= 4; ++i) // the proxy itself is never capped
        EXPECT_TRUE(table.accepted(wsi(i), "proxy", true));
    EXPECT_EQ(stats().handshake_addresses.load(), 0u);
    EXPECT_EQ(table.reserve(wsi(1), "c"), HandshakeTable::Reserve::ok);
    EXPECT_EQ(table.reserve(wsi(2), "c"), HandshakeTable::Reserve::ok);
    EXPECT_EQ(table.reserve(wsi(3), "c"), HandshakeTable::Reserve::handshake_cap);
    EXPECT_EQ(table.reserve(wsi(4), "d"), HandshakeTable::Reserve::ok);
    EXPECT_EQ(caps.total(), 3u);
    for (int i = 1; i <= 4; ++i)
        table.destroyed(wsi(i));
    expect_empty();
}

TEST_F(Table, ConnectionCapRefusalHoldsNoSlot)
{
    config.max_handshakes_per_ip = 0;
    for (int i = 1; i <= 4; ++i)
        ASSERT_TRUE(table.accepted(wsi(i), "a", false));
    for (int i = 1; i <= 3; ++i)
        EXPECT_EQ(table.reserve(wsi(i), "a"), HandshakeTable::Reserve::ok);
    EXPECT_EQ(table.reserve(wsi(4), "a"), HandshakeTable::Reserve::connection_cap);
    EXPECT_EQ(caps.total(), 3u);
    for (int i = 1; i <= 4; ++i)
        table.destroyed(wsi(i));
    expect_empty();
}

TEST_F(Table, ReusedWsiAddressStartsClean)
{
    ASSERT_TRUE(table.accepted(wsi(1), "a", false));
    ASSERT_EQ(table.reserve(wsi(1), "a"), HandshakeTable::Reserve::ok);
    // Its WSI_DESTROY was missed and lws hands out the same address again.
    ASSERT_TRUE(table.accepted(wsi(1), "b", false));
    EXPECT_EQ(caps.total(), 0u);
    table.destroyed(wsi(1));
    expect_empty();
}
