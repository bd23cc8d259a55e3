// The OpenVPN client links (ovpn_clients) as a control-plane service: it owns one ClientLink
// per configured link, claims each link's local UDP port (61000 + index) so that the registry
// hands it the server's control packets, tells the workers (policy) that those ports carry
// OpenVPN so that data packets are decrypted there, runs the links' timers and lists the links
// for `vpnctl interfaces`. A reload that changes the links or their routes restarts them all.
#pragma once

#include "control/ovpn/client_link.hpp"
#include "control/service.hpp"
#include "control/services.hpp"
#include "dataplane/dataplane.hpp"

#include <memory>
#include <vector>

namespace vp::ctl {

class ClientService final : public Service {
public:
    explicit ClientService(dp::Dataplane& dataplane) : dp_(dataplane) {}
    ~ClientService() override;
    ClientService(const ClientService&) = delete;
    ClientService& operator=(const ClientService&) = delete;

    Status configure(const ServicesConfig& services, uint64_t now_ms);

    std::string_view name() const override { return "ovpn-client"; }
    ServiceBindings bindings() const override;
    void on_punt(const dp::PuntEntry& e, uint64_t now_ms) override;
    void on_timer(uint64_t now_ms) override;
    Status check_reload(const ServicesConfig& next,
                        std::vector<std::string>& restart) const override;
    Status reload(const ServicesConfig& next, uint64_t now_ms) override;
    void add_policy(dp::WorkerPolicy& policy) const override;

    std::vector<ovpn::LinkInfo> links(uint64_t now_ms) const;

private:
    dp::Dataplane& dp_;
    std::vector<ovpn::ClientLinkConfig> configs_;
    std::vector<ServicesConfig::LinkRoute> routes_;
    std::vector<std::unique_ptr<ovpn::ClientLink>> links_;
    uint64_t next_timer_ms_ = 0;
};

} // namespace vp::ctl
