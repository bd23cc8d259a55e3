#include "base/log.hpp"

#include <gtest/gtest.h>

namespace vp::log {

TEST(Log, TopicAndLevelNamesRoundTrip) {
    for (size_t i = 0; i < topic_names.size(); ++i)
        EXPECT_EQ(topic_from_name(topic_names[i]), static_cast<Topic>(i));
    EXPECT_FALSE(topic_from_name("nosuch").has_value());
    EXPECT_EQ(level_from_name("debug"), Level::Debug);
    EXPECT_FALSE(level_from_name("verbose").has_value());
}

TEST(Log, ThresholdsArePerTopic) {
    set_all_levels(Level::Info);
    set_level(Topic::Ovpn, Level::Debug);
    EXPECT_TRUE(enabled(Topic::Ovpn, Level::Debug));
    EXPECT_FALSE(enabled(Topic::Sstp, Level::Debug));
    EXPECT_TRUE(enabled(Topic::Sstp, Level::Error));
    set_all_levels(Level::Info);
}

} // namespace vp::log
