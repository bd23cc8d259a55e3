// DPDK ports: probing a device named by PCI address or vdev string, configuring one RX and one
// TX queue per worker (RSS across them where the device supports it), MTU, start/stop.
#pragma once

#include "base/result.hpp"
#include "dataplane/contract.hpp"

#include <rte_ether.h>
#include <rte_mempool.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vp::dp {

enum class PortRole : uint8_t { Wan, Lan };

struct PortSettings {
    std::string name;   // the operator's name ("ether1", "wan0")
    std::string device; // "0000:03:00.0" or "net_af_packet0,iface=veth0"
    PortRole role = PortRole::Lan;
    uint32_t address_be = 0; // interface address (network order)
    uint8_t prefix_length = 0;
    uint16_t mtu = 1500;
    bool set_mac = false; // use `mac` instead of the device's own address
    rte_ether_addr mac{};
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
};

struct Port {
    uint16_t dpdk_id = 0; // DPDK's port id (the appliance's PortId is the index in its list)
    PortSettings settings;
    rte_ether_addr mac{};
    uint16_t queues = 0; // one RX and one TX queue per worker
    bool rss = false;
    bool is_vdev = false;
    std::string dpdk_name; // the ethdev name DPDK knows it by
};

// The devargs actually probed: adds per-PMD queue-count arguments (af_packet `qpairs`, af_xdp
// `queue_count`) when the operator did not give them, so that every worker gets a queue.
std::string vdev_args_for_queues(const std::string& device, uint16_t queues);

// Probes (vdevs are hot-plugged; PCI devices were allow-listed to the EAL), configures and starts
// the port. On error nothing stays probed.
Result<Port> open_port(const PortSettings& settings, uint16_t queues, rte_mempool* pool);
void close_port(Port& port);

} // namespace vp::dp
