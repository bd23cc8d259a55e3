// Log sinks: stderr lines with a UTC timestamp, and syslog(3) with the topic as a prefix.
#include "base/log.hpp"

#include <syslog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace vp::log {

namespace detail {
// Every topic starts at `info`; the initialiser lists one entry per topic.
std::atomic<uint8_t> thresholds[static_cast<size_t>(Topic::Count)] = {2, 2, 2, 2, 2, 2, 2, 2};
static_assert(static_cast<size_t>(Topic::Count) == 8 && static_cast<int>(Level::Info) == 2);
} // namespace detail

namespace {
std::mutex sink_mutex;
Sinks sinks;
bool syslog_open = false;

int syslog_priority(Level level) {
    switch (level) {
    case Level::Error:
        return LOG_ERR;
    case Level::Warning:
        return LOG_WARNING;
    case Level::Info:
        return LOG_INFO;
    case Level::Debug:
        return LOG_DEBUG;
    }
    return LOG_INFO;
}
} // namespace

std::optional<Topic> topic_from_name(std::string_view name) {
    for (size_t i = 0; i < topic_names.size(); ++i)
        if (topic_names[i] == name) return static_cast<Topic>(i);
    return std::nullopt;
}

std::optional<Level> level_from_name(std::string_view name) {
    for (size_t i = 0; i < level_names.size(); ++i)
        if (level_names[i] == name) return static_cast<Level>(i);
    return std::nullopt;
}

void set_level(Topic topic, Level lvl) {
    detail::thresholds[static_cast<size_t>(topic)].store(static_cast<uint8_t>(lvl));
}

void set_all_levels(Level lvl) {
    for (auto& t : detail::thresholds)
        t.store(static_cast<uint8_t>(lvl));
}

Level level(Topic topic) {
    return static_cast<Level>(detail::thresholds[static_cast<size_t>(topic)].load());
}

void set_sinks(Sinks s) {
    std::lock_guard lock(sink_mutex);
    sinks = s;
    if (sinks.to_syslog && !syslog_open) {
        openlog("vpnplaned", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        syslog_open = true;
    }
}

void detail::write(Topic topic, Level lvl, std::string_view message) {
    auto topic_name = topic_names[static_cast<size_t>(topic)];
    auto level_name = level_names[static_cast<size_t>(lvl)];
    std::lock_guard lock(sink_mutex);
    if (sinks.to_stderr) {
        auto now = std::chrono::system_clock::now();
        std::time_t secs = std::chrono::system_clock::to_time_t(now);
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        fmt::print(stderr, "{}.{:03d}Z {},{}: {}\n", stamp, static_cast<int>(ms.count()),
                   topic_name, level_name, message);
    }
    if (sinks.to_syslog)
        syslog(syslog_priority(lvl), "%.*s,%.*s: %.*s", static_cast<int>(topic_name.size()),
               topic_name.data(), static_cast<int>(level_name.size()), level_name.data(),
               static_cast<int>(message.size()), message.data());
}

} // namespace vp::log
