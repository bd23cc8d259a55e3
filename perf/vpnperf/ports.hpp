// vpnperf's two ports: opened from DPDK devargs or PCI addresses (through the dataplane's own
// port bring-up, one RX and one TX queue each), or — for "wire" — two ring ports crossed inside
// the process (WAN's TX is LAN's RX and the other way round), a self-test without an appliance.
#pragma once

#include "base/result.hpp"
#include "dataplane/port/port.hpp"
#include "perf/vpnperf/wire_format.hpp"

#include <rte_mempool.h>
#include <rte_ring.h>

#include <string>

namespace vp::perf {

struct PerfPort {
    std::string role; // "wan" or "lan"
    std::string devargs;
    uint16_t port_id = 0;
    Mac mac{};
    dp::Port dp_port;     // when opened through the dataplane's port code
    bool is_wire = false; // a ring port of the in-process wire
};

struct PerfPorts {
    PerfPort wan;
    PerfPort lan;
    rte_ring* wire_wan_to_lan = nullptr;
    rte_ring* wire_lan_to_wan = nullptr;
};

Result<PerfPorts> open_perf_ports(const std::string& wan_devargs, const std::string& lan_devargs,
                                  rte_mempool* rx_pool);
// Stops and closes both ports and frees whatever the wire's rings still hold.
void close_perf_ports(PerfPorts& ports);
// Waits until the link is up (a memif client's link comes up when the server accepts it).
Status wait_for_link(const PerfPort& port, double timeout_s);

} // namespace vp::perf
