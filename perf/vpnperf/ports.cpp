// Port bring-up for vpnperf (see ports.hpp).
#include "perf/vpnperf/ports.hpp"

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <atomic>
#include <cstring>
#include <dlfcn.h>
#include <unistd.h>

namespace vp::perf {

namespace {

std::atomic<unsigned> g_wire_serial{0};

// rte_eth_from_rings from the ring PMD that the EAL already loaded as a plugin. Linking
// librte_net_ring directly would load a second copy of the driver next to the plugin (the two
// files are distinct), so the symbol is looked up in the loaded one by its soname (ABI 23 is
// DPDK 22.11's).
decltype(&rte_eth_from_rings) find_from_rings() {
    void* lib = nullptr;
    for (const char* name : {"librte_net_ring.so.23", "librte_net_ring.so"}) {
        lib = dlopen(name, RTLD_NOW | RTLD_NOLOAD);
        if (lib == nullptr) lib = dlopen(name, RTLD_NOW);
        if (lib != nullptr) break;
    }
    if (lib == nullptr) return nullptr;
    return reinterpret_cast<decltype(&rte_eth_from_rings)>(dlsym(lib, "rte_eth_from_rings"));
}

Status start_ring_port(PerfPort& p, rte_mempool* pool) {
    rte_eth_conf conf{};
    if (int rc = rte_eth_dev_configure(p.port_id, 1, 1, &conf); rc != 0)
        return make_error(p.role + ": cannot configure the wire port");
    if (rte_eth_rx_queue_setup(p.port_id, 0, 1024, rte_socket_id(), nullptr, pool) != 0 ||
        rte_eth_tx_queue_setup(p.port_id, 0, 1024, rte_socket_id(), nullptr) != 0)
        return make_error(p.role + ": cannot set up the wire port's queues");
    if (rte_eth_dev_start(p.port_id) != 0)
        return make_error(p.role + ": cannot start the wire port");
    rte_ether_addr mac{};
    rte_eth_macaddr_get(p.port_id, &mac);
    std::memcpy(p.mac.data(), mac.addr_bytes, 6);
    return {};
}

Result<PerfPorts> open_wire(rte_mempool* pool) {
    const auto from_rings = find_from_rings();
    if (from_rings == nullptr)
        return make_error("wire: DPDK's ring PMD (librte_net_ring) is not available");
    PerfPorts ports;
    const std::string tag = std::to_string(getpid()) + "_" + std::to_string(g_wire_serial++);
    ports.wire_wan_to_lan = rte_ring_create(("vpw2l" + tag).c_str(), 4096, rte_socket_id(), 0);
    ports.wire_lan_to_wan = rte_ring_create(("vpl2w" + tag).c_str(), 4096, rte_socket_id(), 0);
    if (!ports.wire_wan_to_lan || !ports.wire_lan_to_wan) {
        rte_ring_free(ports.wire_wan_to_lan);
        rte_ring_free(ports.wire_lan_to_wan);
        return make_error("wire: cannot create the rings");
    }
    const std::string wan_name = "vpwan" + tag, lan_name = "vplan" + tag;
    int wan = from_rings(wan_name.c_str(), &ports.wire_lan_to_wan, 1, &ports.wire_wan_to_lan, 1,
                         rte_socket_id());
    int lan = wan < 0 ? -1
                      : from_rings(lan_name.c_str(), &ports.wire_wan_to_lan, 1,
                                   &ports.wire_lan_to_wan, 1, rte_socket_id());
    if (wan < 0 || lan < 0) {
        if (wan >= 0) rte_eal_hotplug_remove("vdev", ("net_ring_" + wan_name).c_str());
        rte_ring_free(ports.wire_wan_to_lan);
        rte_ring_free(ports.wire_lan_to_wan);
        return make_error("wire: cannot create the ring ports");
    }
    ports.wan = {"wan", "wire", static_cast<uint16_t>(wan), {}, {}, true};
    ports.lan = {"lan", "wire", static_cast<uint16_t>(lan), {}, {}, true};
    // rte_eth_from_rings names its vdev "net_ring_<name>".
    ports.wan.dp_port.dpdk_name = "net_ring_" + wan_name;
    ports.lan.dp_port.dpdk_name = "net_ring_" + lan_name;
    for (PerfPort* p : {&ports.wan, &ports.lan}) {
        if (auto st = start_ring_port(*p, pool); !st.ok()) {
            close_perf_ports(ports);
            return st.error();
        }
    }
    return ports;
}

Result<PerfPort> open_device(const std::string& role, const std::string& devargs,
                             rte_mempool* pool) {
    dp::PortSettings s;
    s.name = role;
    s.device = devargs;
    s.role = role == "wan" ? dp::PortRole::Wan : dp::PortRole::Lan;
    auto port = dp::open_port(s, 1, pool);
    if (!port.ok()) {
        std::string hint;
        if (devargs.rfind("net_memif", 0) == 0 && devargs.find("role=server") == std::string::npos)
            hint = " (a memif client connects when it starts: start the appliance, which holds "
                   "the role=server side of the socket, first)";
        return make_error(role + " (" + devargs + "): " + port.message() + hint);
    }
    PerfPort p;
    p.role = role;
    p.devargs = devargs;
    p.port_id = port->dpdk_id;
    std::memcpy(p.mac.data(), port->mac.addr_bytes, 6);
    p.dp_port = std::move(*port);
    return p;
}

void drain_ring(rte_ring* r) {
    if (r == nullptr) return;
    void* objs[64];
    unsigned n;
    while ((n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0)
        rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
}

} // namespace

Result<PerfPorts> open_perf_ports(const std::string& wan_devargs, const std::string& lan_devargs,
                                  rte_mempool* rx_pool) {
    if (wan_devargs == "wire" && lan_devargs == "wire") return open_wire(rx_pool);
    PerfPorts ports;
    auto wan = open_device("wan", wan_devargs, rx_pool);
    if (!wan.ok()) return wan.error();
    auto lan = open_device("lan", lan_devargs, rx_pool);
    if (!lan.ok()) {
        dp::close_port(wan->dp_port);
        return lan.error();
    }
    ports.wan = std::move(*wan);
    ports.lan = std::move(*lan);
    return ports;
}

void close_perf_ports(PerfPorts& ports) {
    for (PerfPort* p : {&ports.wan, &ports.lan}) {
        if (p->is_wire) {
            rte_eth_dev_stop(p->port_id);
            rte_eth_dev_close(p->port_id);
            rte_eal_hotplug_remove("vdev", p->dp_port.dpdk_name.c_str());
        } else if (!p->role.empty()) {
            dp::close_port(p->dp_port);
        }
        p->role.clear();
    }
    drain_ring(ports.wire_wan_to_lan);
    drain_ring(ports.wire_lan_to_wan);
    rte_ring_free(ports.wire_wan_to_lan);
    rte_ring_free(ports.wire_lan_to_wan);
    ports.wire_wan_to_lan = ports.wire_lan_to_wan = nullptr;
}

Status wait_for_link(const PerfPort& port, double timeout_s) {
    const uint64_t hz = rte_get_tsc_hz();
    const uint64_t deadline = rte_get_tsc_cycles() + static_cast<uint64_t>(timeout_s * hz);
    while (true) {
        rte_eth_link link{};
        if (rte_eth_link_get_nowait(port.port_id, &link) == 0 &&
            link.link_status == RTE_ETH_LINK_UP)
            return {};
        if (rte_get_tsc_cycles() > deadline)
            return make_error(port.role + " (" + port.devargs + "): link still down after " +
                              std::to_string(timeout_s) +
                              " s (is the appliance running? for memif, its side must be "
                              "role=server on the same socket)");
        rte_delay_us_sleep(10000);
    }
}

} // namespace vp::perf
