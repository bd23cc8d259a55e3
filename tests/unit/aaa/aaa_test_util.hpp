// Helpers shared by the LocalAaa tests: configs from text, requests, grant/reject unpacking.
#pragma once

#include "control/aaa/aaa_config.hpp"
#include "control/aaa/local_aaa.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vp::aaa::testing {

inline net::Ipv4 ip(const char* text) {
    return *net::parse_ipv4(text);
}

inline AaaConfig config(const std::string& text) {
    auto c = aaa_config_from_string(text);
    EXPECT_TRUE(c) << c.message();
    return c ? *c : builtin_aaa_config();
}

inline AuthRequest request(std::string user, std::string password, Service service = Service::Ovpn,
                           std::string default_profile = "default") {
    AuthRequest r;
    r.service = service;
    r.user = std::move(user);
    r.password = std::move(password);
    r.caller_id = "192.0.2.7:51234";
    r.default_profile = std::move(default_profile);
    return r;
}

// A copy, so that `auto g = grant_of(aaa.authenticate(...))` never points into a temporary.
inline std::optional<Grant> grant_of(const std::variant<Grant, Reject>& v) {
    if (auto* g = std::get_if<Grant>(&v)) return *g;
    return std::nullopt;
}

inline std::optional<RejectReason> reason_of(const std::variant<Grant, Reject>& v) {
    if (auto* r = std::get_if<Reject>(&v)) return r->reason;
    return std::nullopt;
}

inline PoolUsage usage_of(const LocalAaa& aaa, const std::string& name) {
    for (auto& u : aaa.pool_usage())
        if (u.name == name) return u;
    ADD_FAILURE() << "no pool " << name;
    return {};
}

} // namespace vp::aaa::testing
