// Building the dataplane's settings from the configuration.
#include "control/dataplane_settings.hpp"

#include "control/ovpn/client_config.hpp"
#include "control/service_setup.hpp"

#include <rte_byteorder.h>

#include <algorithm>
#include <cstring>

namespace vp::ctl {

tcp::EngineConfig tcp_engine_config(const config::ApplianceConfig& c) {
    const config::TcpConfig& t = c.tcp;
    tcp::EngineConfig e;
    e.max_connections = t.max_connections;
    e.syn_backlog = t.syn_backlog;
    e.syn_cookies = t.syn_cookies;
    e.time_wait_max = t.time_wait_max;
    e.snd_buf_bytes = t.send_buffer;
    e.rcv_buf_bytes = t.receive_buffer;
    e.keepalive_idle_ms = t.keepalive_idle_s * 1000;
    e.keepalive_interval_ms = t.keepalive_interval_s * 1000;
    e.keepalive_probes = static_cast<uint8_t>(t.keepalive_probes);
    e.time_wait_ms = t.time_wait_s * 1000;
    e.max_retransmits = static_cast<uint8_t>(t.max_retransmits);
    e.rto_min_ms = t.rto_min_ms;
    e.rto_max_ms = t.rto_max_s * 1000;
    uint16_t mtu = 1500;
    for (auto& i : c.interfaces)
        mtu = std::min(mtu, i.mtu);
    e.mss = static_cast<uint16_t>(mtu - 40);
    return e;
}

std::vector<dp::PortSettings> port_settings(const config::ApplianceConfig& c) {
    std::vector<dp::PortSettings> out;
    for (auto& i : c.interfaces) {
        dp::PortSettings p;
        p.name = i.name;
        p.device = i.device;
        p.role = i.role == config::InterfaceRole::Wan ? dp::PortRole::Wan : dp::PortRole::Lan;
        p.address_be = rte_cpu_to_be_32(i.address.address);
        p.prefix_length = i.address.length;
        p.mtu = i.mtu;
        if (i.mac) {
            p.set_mac = true;
            std::memcpy(p.mac.addr_bytes, i.mac->data(), 6);
        }
        p.rx_descriptors = i.rx_descriptors;
        p.tx_descriptors = i.tx_descriptors;
        out.push_back(p);
    }
    return out;
}

Result<dp::DataplaneSettings> dataplane_settings(const config::ApplianceConfig& config) {
    dp::DataplaneSettings s;
    s.workers = static_cast<uint16_t>(config.dataplane.worker_lcores.size());
    s.mbufs = config.dataplane.mbufs;
    s.mbuf_cache = config.dataplane.mbuf_cache;
    s.burst = config.dataplane.burst;
    s.punt_ring_size = config.dataplane.punt_ring_size;
    s.inject_ring_size = config.dataplane.inject_ring_size;
    s.handoff_ring_size = config.dataplane.handoff_ring_size;
    s.max_routes = config.dataplane.max_routes;
    s.max_neighbors = config.dataplane.max_neighbors;
    s.max_sessions = config.dataplane.max_sessions;
    s.idle_sleep_us = config.dataplane.idle_sleep_us;
    if (config.firewall.tracking()) {
        s.max_connections = config.firewall.max_connections;
        s.ct_timeouts = config.firewall.timeouts;
    }
    s.ports = port_settings(config);
    if (auto listeners = service_tcp_listeners(config);
        !listeners.empty() || ovpn::client_links_use_tcp(config.raw.get()) ||
        (config.raw && config.raw->exists("sstp_clients"))) { // SSTP links dial over TCP
        dp::TcpSettings tcp;
        tcp.engine = tcp_engine_config(config);
        if (auto st = tcp.engine.validate(); !st.ok()) return make_error("tcp: " + st.message());
        tcp.listeners = std::move(listeners);
        s.tcp = tcp;
    }
    return s;
}

} // namespace vp::ctl
