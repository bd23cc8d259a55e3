// What one SSTP connection's PPP session asks of AAA, over control/aaa: the secret's password
// for CHAP/MS-CHAP/PAP (service `sstp` or `any`), then, once PPP authenticated the peer, the grant
// (pool or static address, only-one across both servers, the profile's local address, DNS and
// WINS),
// held until the session ends.
#pragma once

#include "control/aaa/aaa.hpp"
#include "control/ppp/types.hpp"

#include <optional>
#include <string>

namespace vp::sstp {

class AaaLink final : public ppp::Credentials, public ppp::AddressAllocator {
public:
    AaaLink(aaa::Aaa& aaa, std::string caller, std::string default_profile)
        : aaa_(aaa), caller_(std::move(caller)), default_profile_(std::move(default_profile)) {}
    ~AaaLink() override;
    AaaLink(const AaaLink&) = delete;
    AaaLink& operator=(const AaaLink&) = delete;

    std::optional<std::string> password(std::string_view user) override;
    std::optional<net::Ipv4> assign(std::string_view user) override;
    void release(net::Ipv4 address) override;
    net::Ipv4 local_address() const override { return grant_ ? grant_->local_address : 0; }
    std::vector<net::Ipv4> dns() const override {
        return grant_ ? grant_->dns_servers : std::vector<net::Ipv4>{};
    }
    std::vector<net::Ipv4> nbns() const override {
        return grant_ ? grant_->wins_servers : std::vector<net::Ipv4>{};
    }

    const std::optional<aaa::Grant>& grant() const { return grant_; }
    // Why the last assign() failed, for the log ("" when it did not).
    const std::string& refusal() const { return refusal_; }
    // The secret's name for a peer's user name: MS-CHAP clients send "DOMAIN\user".
    static std::string secret_name(std::string_view user);

private:
    aaa::Aaa& aaa_;
    std::string caller_;
    std::string default_profile_;
    std::optional<aaa::Grant> grant_;
    std::string refusal_;
};

} // namespace vp::sstp
