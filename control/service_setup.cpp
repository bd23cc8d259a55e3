// Building and registering the services.
#include "control/service_setup.hpp"

#include "control/client_service.hpp"
#include "control/ovpn/ovpn_service.hpp"
#include "control/perf/perf_service.hpp"
#include "control/sstp/sstp_service.hpp"
#include "control/tcp_test_services.hpp"

namespace vp::ctl {

std::vector<dp::TcpSettings::Listener>
service_tcp_listeners(const config::ApplianceConfig& config) {
    std::vector<dp::TcpSettings::Listener> out;
    if (config.tcp.test_services) out = TcpTestServices::listeners();
    for (auto& l : SstpService::listeners(config))
        out.push_back(l);
    for (auto& l : OvpnService::listeners(config))
        out.push_back(l);
    return out;
}

Status register_services(ServiceRegistry& registry, const config::ApplianceConfig& config,
                         const ServicesConfig& services, dp::Dataplane& dataplane,
                         aaa::LocalAaa& aaa, uint64_t now_ms) {
    std::unique_ptr<TcpTestServices> tcp;
    if (config.tcp.test_services) tcp = std::make_unique<TcpTestServices>(dataplane);
    // The perf sessions are published before the OpenVPN server may allocate peer-ids.
    std::unique_ptr<PerfService> perf;
    if (config.perf.enabled) {
        auto p = PerfService::create(config, services, dataplane);
        if (!p.ok()) return make_error("perf: " + p.message());
        perf = std::move(*p);
    }
    // Always registered: a reload may enable the server later.
    auto ovpn = std::make_unique<OvpnService>(dataplane, aaa);
    if (auto st = ovpn->configure(services, now_ms); !st.ok()) return st;
    auto sstp = std::make_unique<SstpService>(dataplane, aaa);
    if (auto st = sstp->configure(services, now_ms); !st.ok()) return st;

    // Registration order is the order of timers, session listings and policy contributions
    // (the perf port wins over the OpenVPN server's) and the reverse of destruction.
    auto clients = std::make_unique<ClientService>(dataplane);
    if (auto st = clients->configure(services, now_ms); !st.ok()) return st;
    registry.add(std::move(ovpn));
    registry.add(std::move(sstp));
    registry.add(std::move(clients));
    if (tcp) registry.add(std::move(tcp));
    if (perf) registry.add(std::move(perf));
    return registry.bind();
}

} // namespace vp::ctl
