// The local TCP ports the control plane's client links dial from, by protocol: the worker's
// TcpConnect picks the stream's punt framing from the port (InjectEntry::payload.connect.tag):
// SSTP links (61300 + index) get whole TLS records, everything else (the OpenVPN links, 61000 +
// index) Length16 packets.
#pragma once

#include <cstdint>

namespace vp::dp {

inline constexpr uint16_t sstp_client_port_base = 61300;
inline constexpr uint16_t sstp_client_port_count = 256;

constexpr bool sstp_client_port(uint16_t port) {
    return port >= sstp_client_port_base && port - sstp_client_port_base < sstp_client_port_count;
}

} // namespace vp::dp
