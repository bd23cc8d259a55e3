// ARP state machine of the control plane.
#include "control/ip/neighbor_manager.hpp"

#include "base/log.hpp"
#include "dataplane/l2/ethernet.hpp"

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ether.h>

#include <cstring>

namespace vp::ctl {

namespace {
constexpr int max_tries = 3;
constexpr uint64_t retry_ms = 1000;
constexpr uint64_t failed_hold_ms = 3000;

std::string ip_text(uint32_t ip_be) {
    return net::to_string(rte_be_to_cpu_32(ip_be));
}
std::string mac_text(const uint8_t* mac) {
    char buf[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(buf, sizeof buf, reinterpret_cast<const rte_ether_addr*>(mac));
    return buf;
}
} // namespace

NeighborManager::NeighborManager(dp::Dataplane& dataplane, NeighborSettings settings)
    : dp_(dataplane), settings_(settings) {}

NeighborManager::~NeighborManager() {
    for (auto& [key, p] : pending_)
        for (rte_mbuf* m : p.packets)
            rte_pktmbuf_free(m);
}

size_t NeighborManager::pending_packets() const {
    size_t n = 0;
    for (auto& [key, p] : pending_)
        n += p.packets.size();
    return n;
}

Status NeighborManager::set_static(const std::vector<config::StaticArp>& entries,
                                   const std::vector<std::string>& port_names, uint64_t now_ms) {
    std::map<Key, std::array<uint8_t, 6>> wanted;
    for (auto& e : entries) {
        dp::PortId port = 0;
        while (port < port_names.size() && port_names[port] != e.interface)
            ++port;
        if (port == port_names.size()) return make_error("unknown interface " + e.interface);
        wanted[{port, rte_cpu_to_be_32(e.address)}] = e.mac;
    }
    for (auto it = known_.begin(); it != known_.end();) {
        if (it->second.state == State::Static && !wanted.count(it->first)) {
            dp_.neighbors().remove(it->first.port, it->first.ip_be);
            it = known_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& [key, mac] : wanted) {
        if (auto st = dp_.neighbors().set(key.port, key.ip_be, mac.data(), true); !st.ok())
            return st;
        Known& k = known_[key];
        k.mac = mac;
        k.state = State::Static;
        k.confirmed_ms = now_ms;
        release_pending(key, mac.data());
    }
    return {};
}

void NeighborManager::transmit_resolved(rte_mbuf* m, dp::PortId port, const uint8_t* mac) {
    // Packets that came out of a tunnel may have their Ethernet header at an odd address.
    dp::write_ipv4_ethernet_header(rte_pktmbuf_mtod(m, uint8_t*), mac, dp_.ports()[port].mac);
    dp_.inject({m, dp::InjectAction::TxPort, port, 0});
}

void NeighborManager::on_neighbor_miss(rte_mbuf* m, dp::PortId port, uint32_t next_hop_be,
                                       uint64_t now_ms) {
    Key key{port, next_hop_be};
    if (auto k = known_.find(key); k != known_.end() && k->second.state != State::Failed) {
        transmit_resolved(m, port, k->second.mac.data()); // published meanwhile
        return;
    }
    auto [it, created] = pending_.try_emplace(key);
    Pending& p = it->second;
    if (p.packets.size() >= settings_.queue_length) {
        ++counters_.dropped_queue_full;
        rte_pktmbuf_free(m);
        return;
    }
    p.packets.push_back(m);
    ++counters_.held;
    if (created) {
        p.tries = 1;
        p.next_try_ms = now_ms + retry_ms;
        send_request(key, nullptr);
    }
}

void NeighborManager::send_request(const Key& key, const uint8_t* unicast_mac) {
    const dp::Port& port = dp_.ports()[key.port];
    rte_mbuf* m = rte_pktmbuf_alloc(dp_.pool());
    if (!m) return;
    auto* eth = reinterpret_cast<rte_ether_hdr*>(
        rte_pktmbuf_append(m, sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)));
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    if (unicast_mac)
        std::memcpy(&eth->dst_addr, unicast_mac, RTE_ETHER_ADDR_LEN);
    else
        std::memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
    eth->src_addr = port.mac;
    eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
    arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = 4;
    arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
    arp->arp_data.arp_sha = port.mac;
    arp->arp_data.arp_sip = port.settings.address_be;
    std::memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
    arp->arp_data.arp_tip = key.ip_be;
    if (dp_.inject({m, dp::InjectAction::TxPort, key.port, 0})) ++counters_.requests_sent;
}

void NeighborManager::learn(const Key& key, const uint8_t* mac, uint64_t now_ms) {
    auto [it, is_new] = known_.try_emplace(key);
    Known& k = it->second;
    if (k.state == State::Static) return; // static entries win (RouterOS semantics)
    bool changed = is_new || k.state == State::Failed || std::memcmp(k.mac.data(), mac, 6) != 0;
    std::memcpy(k.mac.data(), mac, 6);
    k.state = State::Reachable;
    k.confirmed_ms = now_ms;
    k.confirmed_tsc = rte_rdtsc();
    k.probes = 0;
    if (changed) {
        if (auto st = dp_.neighbors().set(key.port, key.ip_be, mac, true); !st.ok()) {
            log::warning(log::Topic::Dataplane, "cannot publish neighbour {}: {}",
                         ip_text(key.ip_be), st.message());
            return;
        }
        ++counters_.learned;
        log::debug(log::Topic::Dataplane, "neighbour {} is at {} on port {}", ip_text(key.ip_be),
                   mac_text(mac), dp_.ports()[key.port].settings.name);
    }
    release_pending(key, mac);
}

void NeighborManager::release_pending(const Key& key, const uint8_t* mac) {
    auto it = pending_.find(key);
    if (it == pending_.end()) return;
    for (rte_mbuf* m : it->second.packets) {
        transmit_resolved(m, key.port, mac);
        ++counters_.released;
    }
    pending_.erase(it);
}

void NeighborManager::on_arp_input(rte_mbuf* m, dp::PortId port, uint64_t now_ms) {
    if (rte_pktmbuf_data_len(m) < sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)) {
        rte_pktmbuf_free(m);
        return;
    }
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    uint32_t sip = arp->arp_data.arp_sip, tip = arp->arp_data.arp_tip;
    const uint8_t* sha = arp->arp_data.arp_sha.addr_bytes;
    Key sender{port, sip};
    if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) && sip != tip) {
        // The worker saw a request for one of our (or a proxied) addresses from a sender it did
        // not know: learn it, then answer.
        if (sip != 0 && !rte_is_zero_ether_addr(&arp->arp_data.arp_sha)) learn(sender, sha, now_ms);
        dp::make_arp_reply(eth, dp_.ports()[port].mac);
        if (dp_.inject({m, dp::InjectAction::TxPort, port, 0})) ++counters_.replies_sent;
        return;
    }
    // Replies and gratuitous ARP: accept them for neighbours we are resolving or already know
    // (never create entries from unsolicited replies).
    if (pending_.count(sender) || known_.count(sender)) learn(sender, sha, now_ms);
    rte_pktmbuf_free(m);
}

void NeighborManager::forget(const Key& key) {
    dp_.neighbors().remove(key.port, key.ip_be);
    known_.erase(key);
}

void NeighborManager::on_timer(uint64_t now_ms) {
    for (auto it = pending_.begin(); it != pending_.end();) {
        Pending& p = it->second;
        if (now_ms < p.next_try_ms) {
            ++it;
            continue;
        }
        if (p.tries < max_tries) {
            ++p.tries;
            p.next_try_ms = now_ms + retry_ms;
            send_request(it->first, nullptr);
            ++it;
            continue;
        }
        log::info(log::Topic::Dataplane, "neighbour {} on port {} did not answer ARP",
                  ip_text(it->first.ip_be), dp_.ports()[it->first.port].settings.name);
        counters_.dropped_unresolved += p.packets.size();
        for (rte_mbuf* m : p.packets)
            rte_pktmbuf_free(m);
        uint8_t zero[6] = {};
        (void)dp_.neighbors().set(it->first.port, it->first.ip_be, zero, false);
        Known& k = known_[it->first];
        k.state = State::Failed;
        k.confirmed_ms = now_ms;
        it = pending_.erase(it);
    }
    uint64_t timeout_ms = uint64_t{settings_.timeout_s} * 1000;
    std::vector<Key> to_forget;
    for (auto& [key, k] : known_) {
        switch (k.state) {
        case State::Static:
            break;
        case State::Failed:
            if (now_ms - k.confirmed_ms >= failed_hold_ms) to_forget.push_back(key);
            break;
        case State::Reachable:
            if (now_ms - k.confirmed_ms >= timeout_ms) {
                // Re-probe only what traffic still uses; let the rest expire.
                uint64_t used_tsc = 0;
                if (auto* e = dp_.neighbors().lookup(key.port, key.ip_be))
                    used_tsc = e->last_used_tsc.load(std::memory_order_relaxed);
                if (used_tsc > k.confirmed_tsc) {
                    k.state = State::Probing;
                    k.probes = 1;
                    k.next_probe_ms = now_ms + retry_ms;
                    send_request(key, k.mac.data());
                } else {
                    to_forget.push_back(key);
                    ++counters_.expired;
                }
            }
            break;
        case State::Probing:
            if (now_ms >= k.next_probe_ms) {
                if (k.probes >= max_tries) {
                    to_forget.push_back(key);
                    ++counters_.expired;
                } else {
                    ++k.probes;
                    k.next_probe_ms = now_ms + retry_ms;
                    send_request(key, k.mac.data());
                }
            }
            break;
        }
    }
    for (auto& key : to_forget)
        forget(key);
}

std::vector<NeighborManager::Info> NeighborManager::list(uint64_t now_ms) const {
    std::vector<Info> out;
    for (auto& [key, k] : known_)
        out.push_back({key.port, key.ip_be, k.mac, k.state, now_ms - k.confirmed_ms});
    return out;
}

} // namespace vp::ctl
