// What the workers need to know of the configuration that may change at run time (reload):
// which services the appliance offers (the input allow-list) and per-packet options. Published
// as an immutable object through an atomic pointer; the old one is retired through RCU.
#pragma once

#include <array>
#include <cstdint>

namespace vp::dp {

struct WorkerPolicy {
    bool icmp_echo = true;               // answer pings to the appliance's own addresses
    bool mss_clamp = true;               // clamp TCP SYN MSS to the path MTU (change-tcp-mss)
    uint16_t ovpn_udp_port = 0;          // host order; 0 = OpenVPN/UDP disabled
    uint16_t ovpn_tcp_port = 0;          // host order; 0 = OpenVPN/TCP disabled
    uint16_t sstp_tcp_port = 0;          // host order; 0 = SSTP disabled (record hand-over)
    std::array<uint16_t, 8> tcp_ports{}; // listening TCP ports (host order, 0 = unused)
    uint32_t icmp_errors_per_s = 100;    // per worker; token bucket with a burst of the same size
    uint32_t proxy_arp_ports = 0; // bit i: port i answers ARP for registered client addresses
    // OpenVPN client links (control/client_service.hpp): bit i: local UDP port 61000 + i is a
    // link's, and what arrives there goes through the OpenVPN stage like the server's port.
    static constexpr uint16_t ovpn_client_port_base = 61000;
    std::array<uint64_t, 4> ovpn_client_ports{};
    // A UDP port a reload moved the OpenVPN server away from (0: none): its datagrams still go to
    // the OpenVPN stage so that the sessions on it go on; the control plane refuses new clients.
    uint16_t ovpn_udp_old_port = 0;

    bool proxy_arp(uint16_t port) const { return proxy_arp_ports >> port & 1; }

    bool ovpn_client_port(uint16_t port) const {
        uint16_t i = static_cast<uint16_t>(port - ovpn_client_port_base);
        return port >= ovpn_client_port_base && i < 256 &&
               (ovpn_client_ports[i / 64] >> i % 64 & 1);
    }
    void set_ovpn_client_port(uint16_t port) {
        uint16_t i = static_cast<uint16_t>(port - ovpn_client_port_base);
        if (port >= ovpn_client_port_base && i < 256)
            ovpn_client_ports[i / 64] |= uint64_t{1} << i % 64;
    }

    bool tcp_listening(uint16_t port) const {
        for (uint16_t p : tcp_ports)
            if (p != 0 && p == port) return true;
        return false;
    }
    // TCP segments the engine takes: listening ports, and the OpenVPN client links' ports
    // (their connections are active opens from there).
    bool tcp_local(uint16_t port) const { return tcp_listening(port) || ovpn_client_port(port); }
};

} // namespace vp::dp
