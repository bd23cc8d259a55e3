// Port bring-up and teardown.
#include "dataplane/port/port.hpp"

#include "base/log.hpp"
#include "base/pci.hpp"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <cctype>

namespace vp::dp {

namespace {

std::string errno_text(int rc) {
    return rte_strerror(rc < 0 ? -rc : rc);
}

Status configure_and_start(Port& port, uint16_t queues, rte_mempool* pool) {
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(port.dpdk_id, &info); rc != 0)
        return make_error("cannot read device info: " + errno_text(rc));
    if (info.max_rx_queues < queues || info.max_tx_queues < queues)
        return make_error("the device has " + std::to_string(info.max_rx_queues) + " RX / " +
                          std::to_string(info.max_tx_queues) + " TX queues, " +
                          std::to_string(queues) + " workers need one each");
    rte_eth_conf conf{};
    uint64_t rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    if (queues > 1 && rss_hf != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
        port.rss = true;
    }
    if (int rc = rte_eth_dev_configure(port.dpdk_id, queues, queues, &conf); rc != 0)
        return make_error("cannot configure the device: " + errno_text(rc));
    uint16_t rx_desc = port.settings.rx_descriptors, tx_desc = port.settings.tx_descriptors;
    rte_eth_dev_adjust_nb_rx_tx_desc(port.dpdk_id, &rx_desc, &tx_desc);
    int socket = rte_eth_dev_socket_id(port.dpdk_id);
    for (uint16_t q = 0; q < queues; ++q) {
        if (int rc = rte_eth_rx_queue_setup(port.dpdk_id, q, rx_desc,
                                            socket < 0 ? SOCKET_ID_ANY : socket, nullptr, pool);
            rc != 0)
            return make_error("cannot set up RX queue " + std::to_string(q) + ": " +
                              errno_text(rc));
        if (int rc = rte_eth_tx_queue_setup(port.dpdk_id, q, tx_desc,
                                            socket < 0 ? SOCKET_ID_ANY : socket, nullptr);
            rc != 0)
            return make_error("cannot set up TX queue " + std::to_string(q) + ": " +
                              errno_text(rc));
    }
    if (int rc = rte_eth_dev_set_mtu(port.dpdk_id, port.settings.mtu); rc != 0 && rc != -ENOTSUP) {
        uint16_t current = 0;
        rte_eth_dev_get_mtu(port.dpdk_id, &current);
        if (current != port.settings.mtu)
            return make_error("cannot set MTU " + std::to_string(port.settings.mtu) + ": " +
                              errno_text(rc) + " (device MTU " + std::to_string(current) + ")");
    }
    bool software_mac = false;
    if (port.settings.set_mac) {
        rte_ether_addr mac = port.settings.mac;
        int rc = rte_eth_dev_default_mac_addr_set(port.dpdk_id, &mac);
        // Devices that cannot change their address (pcap, some vdevs) still work: the appliance
        // uses the configured address in software and receives in promiscuous mode.
        if (rc == -ENOTSUP)
            software_mac = true;
        else if (rc != 0)
            return make_error("cannot set the MAC address: " + errno_text(rc));
    }
    if (int rc = rte_eth_dev_start(port.dpdk_id); rc != 0)
        return make_error("cannot start the device: " + errno_text(rc));
    rte_eth_macaddr_get(port.dpdk_id, &port.mac);
    if (software_mac) {
        port.mac = port.settings.mac;
        rte_eth_promiscuous_enable(port.dpdk_id);
    }

    port.queues = queues;
    return {};
}

} // namespace

std::string vdev_args_for_queues(const std::string& device, uint16_t queues) {
    auto has_arg = [&](const char* key) {
        return device.find(std::string(",") + key + "=") != std::string::npos;
    };
    std::string out = device;
    if (device.rfind("net_af_packet", 0) == 0 && !has_arg("qpairs"))
        out += ",qpairs=" + std::to_string(queues);
    else if (device.rfind("net_af_xdp", 0) == 0 && !has_arg("queue_count"))
        out += ",queue_count=" + std::to_string(queues);
    return out;
}

Result<Port> open_port(const PortSettings& settings, uint16_t queues, rte_mempool* pool) {
    Port port;
    port.settings = settings;
    if (vp::is_pci_address(settings.device)) {
        port.dpdk_name = settings.device;
        if (rte_eth_dev_get_port_by_name(port.dpdk_name.c_str(), &port.dpdk_id) != 0)
            return make_error("PCI device " + settings.device +
                              " is not available to DPDK (is it bound to vfio-pci? see "
                              "docs/operations.md)");
    } else {
        port.is_vdev = true;
        port.dpdk_name = settings.device.substr(0, settings.device.find(','));
        std::string args = vdev_args_for_queues(settings.device, queues);
        if (int rc = rte_dev_probe(args.c_str()); rc != 0)
            return make_error("cannot create device '" + args + "': " + errno_text(rc));
        if (rte_eth_dev_get_port_by_name(port.dpdk_name.c_str(), &port.dpdk_id) != 0) {
            rte_eal_hotplug_remove("vdev", port.dpdk_name.c_str());
            return make_error("device '" + settings.device + "' is not an Ethernet device");
        }
    }
    if (auto st = configure_and_start(port, queues, pool); !st.ok()) {
        close_port(port);
        return st.error();
    }
    char mac[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(mac, sizeof mac, &port.mac);
    log::info(log::Topic::Dataplane, "port {} ({}) up: dpdk port {}, mac {}, {} queue(s){}, mtu {}",
              settings.name, settings.device, port.dpdk_id, mac, queues,
              port.rss ? " with RSS" : "", settings.mtu);
    return port;
}

void close_port(Port& port) {
    rte_eth_dev_stop(port.dpdk_id);
    rte_eth_dev_close(port.dpdk_id);
    if (port.is_vdev) rte_eal_hotplug_remove("vdev", port.dpdk_name.c_str());
}

} // namespace vp::dp
