// Perf mode: publishing a session file's synthetic sessions.
#include "control/perf/perf_service.hpp"

#include "base/log.hpp"
#include "control/perf/session_file.hpp"

#include <rte_byteorder.h>
#include <rte_mbuf.h>

namespace vp::ctl {

Result<std::unique_ptr<PerfService>> PerfService::create(const config::ApplianceConfig& config,
                                                         const ServicesConfig& services,
                                                         dp::Dataplane& dp) {
    auto file = perf::load_session_file(config.perf.sessions_file);
    if (!file.ok()) return file.error();
    if (services.ovpn.enabled && services.ovpn.port == file->server.port)
        return make_error("the perf sessions' port is the OpenVPN server's; use another");
    dp::PortId wan = 0;
    bool found = false;
    for (dp::PortId p = 0; p < config.interfaces.size() && !found; ++p)
        if (config.perf.interface.empty() ? config.interfaces[p].role == config::InterfaceRole::Wan
                                          : config.interfaces[p].name == config.perf.interface) {
            wan = p;
            found = true;
        }
    if (!found) return make_error("no interface for the perf sessions");
    std::unique_ptr<PerfService> service(new PerfService(dp));
    service->port_ = file->server.port;
    auto keys = [](const perf::DirectionKeys& k) {
        return dp::OvpnDirectionKey{k.cipher_key, k.hmac_key, k.implicit_iv};
    };
    dp::OvpnPublisher& publisher = service->publisher_;
    dp::WorkerId next_owner = 0;
    for (auto& s : file->sessions) {
        dp::OvpnPeer peer;
        peer.id = s.peer_id;
        peer.owner = next_owner;
        next_owner = static_cast<dp::WorkerId>((next_owner + 1) % dp.worker_count());
        peer.wan_port = wan;
        peer.local_ip_be = rte_cpu_to_be_32(file->server.address);
        peer.local_port_be = rte_cpu_to_be_16(file->server.port);
        peer.client_ip_be = rte_cpu_to_be_32(s.client.address);
        peer.client_port_be = rte_cpu_to_be_16(s.client.port);
        peer.tunnel_ip_be = rte_cpu_to_be_32(s.tunnel_address);
        peer.replay_protection = file->replay_protection;
        peer.clamp_mss = false;
        if (s.peer_id >= dp.sessions().capacity())
            return make_error("peer-id " + std::to_string(s.peer_id) +
                              " is beyond dataplane.max_sessions");
        if (auto st = publisher.add_peer(peer); !st.ok()) return st.error();
        if (auto st = publisher.add_key(s.peer_id, s.key_id, file->cipher, file->auth,
                                        keys(s.client_to_server), keys(s.server_to_client));
            !st.ok())
            return st.error();
        publisher.set_tx_key(s.peer_id, s.key_id);
    }
    log::warning(log::Topic::System, "perf mode: {} synthetic {} session(s) on UDP port {}{}",
                 file->sessions.size(), crypto::openvpn_name(file->cipher), service->port_,
                 file->replay_protection ? "" : ", replay protection off");
    return service;
}

void PerfService::on_punt(const dp::PuntEntry& e, uint64_t now_ms) {
    (void)now_ms;
    if (e.mbuf) rte_pktmbuf_free(e.mbuf); // claims nothing; never routed here
}

} // namespace vp::ctl
