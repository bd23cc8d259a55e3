// Logging by topic and level, the RouterOS way (`/system logging`): every message belongs to a
// topic (system, dataplane, ovpn, sstp, ppp, tls, aaa, pki) and has a level; each topic has its
// own threshold. Messages go to stderr and/or syslog (journald picks up both).
// Never call this per packet: the dataplane counts, it does not log.
#pragma once

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <optional>
#include <string_view>

namespace vp::log {

enum class Topic : uint8_t { System, Dataplane, Ovpn, Sstp, Ppp, Tls, Aaa, Pki, Count };
enum class Level : uint8_t { Error, Warning, Info, Debug };

inline constexpr std::array<std::string_view, static_cast<size_t>(Topic::Count)> topic_names = {
    "system", "dataplane", "ovpn", "sstp", "ppp", "tls", "aaa", "pki"};
inline constexpr std::array<std::string_view, 4> level_names = {"error", "warning", "info",
                                                                "debug"};

std::optional<Topic> topic_from_name(std::string_view name);
std::optional<Level> level_from_name(std::string_view name);

struct Sinks {
    bool to_stderr = true;
    bool to_syslog = false;
};

// Configuration (control plane only). Thresholds are atomics so that enabled() is cheap and
// race-free from any thread.
void set_level(Topic topic, Level level);
void set_all_levels(Level level);
Level level(Topic topic);
void set_sinks(Sinks sinks);

namespace detail {
extern std::atomic<uint8_t> thresholds[static_cast<size_t>(Topic::Count)];
void write(Topic topic, Level level, std::string_view message);
} // namespace detail

inline bool enabled(Topic topic, Level lvl) {
    return static_cast<uint8_t>(lvl) <=
           detail::thresholds[static_cast<size_t>(topic)].load(std::memory_order_relaxed);
}

template <class... Args>
void write(Topic topic, Level lvl, fmt::format_string<Args...> format, Args&&... args) {
    if (!enabled(topic, lvl)) return;
    detail::write(topic, lvl, fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
void error(Topic t, fmt::format_string<Args...> f, Args&&... a) {
    write(t, Level::Error, f, std::forward<Args>(a)...);
}
template <class... Args>
void warning(Topic t, fmt::format_string<Args...> f, Args&&... a) {
    write(t, Level::Warning, f, std::forward<Args>(a)...);
}
template <class... Args>
void info(Topic t, fmt::format_string<Args...> f, Args&&... a) {
    write(t, Level::Info, f, std::forward<Args>(a)...);
}
template <class... Args>
void debug(Topic t, fmt::format_string<Args...> f, Args&&... a) {
    write(t, Level::Debug, f, std::forward<Args>(a)...);
}

} // namespace vp::log
