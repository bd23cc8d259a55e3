// control/ovpn/replay: the control channel's long-form packet-id window.
#include "control/ovpn/replay.hpp"

#include <gtest/gtest.h>

using namespace vp::ovpn;

TEST(Replay, InOrderAndDuplicates) {
    ReplayWindow w;
    for (uint32_t id = 1; id <= 100; ++id)
        EXPECT_TRUE(w.check_and_accept({id, 1000})) << id;
    EXPECT_FALSE(w.check_and_accept({100, 1000}));
    EXPECT_FALSE(w.check_and_accept({50, 1000}));
}

TEST(Replay, IdZeroIsNeverValid) {
    ReplayWindow w;
    EXPECT_FALSE(w.check({0, 1000}));
    EXPECT_TRUE(w.check_and_accept({1, 1000}));
    EXPECT_FALSE(w.check({0, 1001}));
}

TEST(Replay, ReorderingInsideTheWindowOnce) {
    ReplayWindow w;
    EXPECT_TRUE(w.check_and_accept({10, 5}));
    EXPECT_TRUE(w.check_and_accept({7, 5}));
    EXPECT_FALSE(w.check_and_accept({7, 5}));
    EXPECT_TRUE(w.check_and_accept({9, 5}));
    EXPECT_TRUE(w.check_and_accept({8, 5}));
    EXPECT_TRUE(w.check_and_accept({200, 5}));
    EXPECT_TRUE(w.check_and_accept({137, 5}));  // 63 behind: still inside
    EXPECT_FALSE(w.check_and_accept({136, 5})); // 64 behind: outside
}

TEST(Replay, SmallerWindow) {
    ReplayWindow w(4);
    EXPECT_TRUE(w.check_and_accept({10, 5}));
    EXPECT_TRUE(w.check_and_accept({7, 5}));
    EXPECT_FALSE(w.check_and_accept({6, 5}));
}

TEST(Replay, SenderEpochs) {
    ReplayWindow w;
    EXPECT_TRUE(w.check_and_accept({500, 100}));
    EXPECT_FALSE(w.check({501, 99}));          // an older epoch
    EXPECT_TRUE(w.check_and_accept({1, 101})); // a newer epoch restarts the window
    EXPECT_FALSE(w.check({500, 100}));
    EXPECT_TRUE(w.check_and_accept({2, 101}));
}

TEST(Replay, WireForm) {
    PacketId p{0x01020304, 0xA0B0C0D0};
    auto bytes = p.encode();
    EXPECT_EQ(bytes[0], 1);
    EXPECT_EQ(bytes[7], 0xD0);
    PacketId q = PacketId::decode(bytes.data());
    EXPECT_EQ(q.id, p.id);
    EXPECT_EQ(q.time, p.time);
}
