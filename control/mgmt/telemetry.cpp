// Telemetry commands. Keys of telemetry dictionaries may only hold letters, digits, '_' and '/'
// (DPDK refuses others), and DPDK 22.11 cannot put a dictionary in an array, so tables are
// dictionaries keyed by row number ("0", "1", ...) whose values carry the fields. Configured
// names (interfaces, pools) are values, under "name", never keys: they come back exactly as
// configured ("vpn-pool.1" stays that, and "ovpn-pool" and "ovpn_pool" stay two rows).
#include "control/mgmt/telemetry.hpp"

#include "base/log.hpp"
#include "control/appliance.hpp"
#include "control/mgmt/firewall_telemetry.hpp"
#include "control/mgmt/interfaces_telemetry.hpp"
#include "control/mgmt/metrics_telemetry.hpp"
#include "control/mgmt/reload_reply.hpp"
#include "control/mgmt/service_telemetry.hpp"
#include "control/ovpn/ovpn_service.hpp"
#include "control/sstp/sstp_service.hpp"
#include "dataplane/tcp/engine.hpp"

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace vp::ctl {

namespace {

std::mutex attach_mutex;
Appliance* attached = nullptr;
std::function<std::string(bool&)> reload_fn;
std::once_flag registered;

const char* version_text = "vpnplane 0.1.0";

// Runs `fn` with the attached appliance locked, or reports that there is none.
template <class F>
int with_appliance(rte_tel_data* d, F&& fn) {
    std::lock_guard attach_lock(attach_mutex);
    if (!attached) {
        rte_tel_data_start_dict(d);
        rte_tel_data_add_dict_string(d, "error", "the appliance is not running");
        return 0;
    }
    std::lock_guard lock(attached->mutex());
    return fn(*attached);
}

std::string ip_text(uint32_t be) {
    return net::to_string(rte_be_to_cpu_32(be));
}

std::string mac_text(const uint8_t* mac) {
    char buf[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(buf, sizeof buf, reinterpret_cast<const rte_ether_addr*>(mac));
    return buf;
}

const char* kind_name(dp::NextHopKind k) {
    switch (k) {
    case dp::NextHopKind::Local:
        return "local";
    case dp::NextHopKind::Connected:
        return "connected";
    case dp::NextHopKind::Gateway:
        return "gateway";
    case dp::NextHopKind::Session:
        return "session";
    case dp::NextHopKind::Blackhole:
        return "blackhole";
    case dp::NextHopKind::Broadcast:
        return "broadcast";
    }
    return "?";
}

// Port statistics with their descriptions (ethdev basic stats).
struct PortStatInfo {
    const char* name;
    const char* description;
    uint64_t rte_eth_stats::*field;
};
constexpr std::array<PortStatInfo, 8> port_stat_info = {{
    {"rx_packets", "packets received by the port (all queues)", &rte_eth_stats::ipackets},
    {"tx_packets", "packets transmitted by the port", &rte_eth_stats::opackets},
    {"rx_bytes", "bytes received by the port", &rte_eth_stats::ibytes},
    {"tx_bytes", "bytes transmitted by the port", &rte_eth_stats::obytes},
    {"rx_missed", "packets the NIC dropped because no RX descriptor was free",
     &rte_eth_stats::imissed},
    {"rx_errors", "erroneous packets received", &rte_eth_stats::ierrors},
    {"tx_errors", "packets that failed to transmit", &rte_eth_stats::oerrors},
    {"rx_nombuf", "RX mbuf allocation failures", &rte_eth_stats::rx_nombuf},
}};

rte_tel_data* new_dict() {
    rte_tel_data* c = rte_tel_data_alloc();
    rte_tel_data_start_dict(c);
    return c;
}

int cmd_info(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        rte_tel_data_add_dict_string(d, "version", version_text);
        rte_tel_data_add_dict_string(d, "identity", a.config().system.identity.c_str());
        rte_tel_data_add_dict_u64(d, "uptime_s", a.uptime_ms() / 1000);
        rte_tel_data_add_dict_u64(d, "workers", a.dataplane().worker_count());
        rte_tel_data_add_dict_u64(d, "ports", a.dataplane().ports().size());
        rte_tel_data_add_dict_u64(d, "routes", a.dataplane().routes().size());
        rte_tel_data_add_dict_u64(d, "sessions", a.dataplane().sessions().size());
        rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
        rte_tel_data_add_dict_string(d, "config", a.config().path.c_str());
        return 0;
    });
}

int cmd_ports(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        size_t row = 0;
        for (auto& p : a.dataplane().ports()) {
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_string(c, "name", p.settings.name.c_str());
            rte_tel_data_add_dict_string(c, "role",
                                         p.settings.role == dp::PortRole::Wan ? "wan" : "lan");
            rte_tel_data_add_dict_string(c, "device", p.settings.device.substr(0, 120).c_str());
            rte_tel_data_add_dict_string(c, "mac", mac_text(p.mac.addr_bytes).c_str());
            rte_tel_data_add_dict_string(
                c, "address",
                (ip_text(p.settings.address_be) + "/" + std::to_string(p.settings.prefix_length))
                    .c_str());
            rte_tel_data_add_dict_u64(c, "mtu", p.settings.mtu);
            rte_tel_data_add_dict_u64(c, "queues", p.queues);
            rte_eth_link link{};
            rte_eth_link_get_nowait(p.dpdk_id, &link);
            rte_tel_data_add_dict_string(c, "link", link.link_status ? "up" : "down");
            rte_tel_data_add_dict_u64(c, "speed_mbps", link.link_speed);
            rte_eth_stats stats{};
            rte_eth_stats_get(p.dpdk_id, &stats);
            for (auto& s : port_stat_info)
                rte_tel_data_add_dict_u64(c, s.name, stats.*s.field);
            rte_tel_data_add_dict_container(d, std::to_string(row++).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_port_xstats(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        const dp::Port* port = nullptr;
        for (auto& p : a.dataplane().ports())
            if (params && p.settings.name == params) port = &p;
        if (!port) {
            rte_tel_data_add_dict_string(d, "error",
                                         "usage: /vpnplane/port_xstats,<interface name>");
            return 0;
        }
        int n = rte_eth_xstats_get(port->dpdk_id, nullptr, 0);
        if (n <= 0) return 0;
        std::vector<rte_eth_xstat> values(static_cast<size_t>(n));
        std::vector<rte_eth_xstat_name> names(static_cast<size_t>(n));
        rte_eth_xstats_get(port->dpdk_id, values.data(), static_cast<unsigned>(n));
        rte_eth_xstats_get_names(port->dpdk_id, names.data(), static_cast<unsigned>(n));
        for (int i = 0; i < n && i < RTE_TEL_MAX_DICT_ENTRIES; ++i)
            rte_tel_data_add_dict_u64(d, names[static_cast<size_t>(values[i].id)].name,
                                      values[i].value);
        return 0;
    });
}

int cmd_workers(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w) {
            const auto& st = a.dataplane().worker_stats(w);
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_u64(c, "lcore", a.dataplane().worker_lcore(w));
            for (size_t i = 0; i < dp::worker_counter_info.size(); ++i)
                rte_tel_data_add_dict_u64(c, std::string(dp::worker_counter_info[i].name).c_str(),
                                          st.counters[i].get());
            uint64_t dropped = 0;
            for (auto& c2 : st.drops)
                dropped += c2.get();
            rte_tel_data_add_dict_u64(c, "dropped", dropped);
            rte_tel_data_add_dict_container(d, ("worker" + std::to_string(w)).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_drops(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        for (size_t r = 0; r < dp::drop_reason_info.size(); ++r) {
            uint64_t total = 0;
            for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w)
                total += a.dataplane().worker_stats(w).drops[r].get();
            rte_tel_data_add_dict_u64(d, std::string(dp::drop_reason_info[r].name).c_str(), total);
        }
        return 0;
    });
}

int cmd_stages(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        for (size_t s = 0; s < dp::stage_info.size(); ++s) {
            uint64_t packets = 0, cycles = 0;
            for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w) {
                packets += a.dataplane().worker_stats(w).stage_packets[s].get();
                cycles += a.dataplane().worker_stats(w).stage_cycles[s].get();
            }
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_u64(c, "packets", packets);
            rte_tel_data_add_dict_u64(c, "cycles", cycles);
            rte_tel_data_add_dict_u64(c, "cycles_per_packet", packets ? cycles / packets : 0);
            rte_tel_data_add_dict_container(d, std::string(dp::stage_info[s].name).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_counters(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    for (auto& c : dp::worker_counter_info)
        rte_tel_data_add_dict_string(d, ("worker_" + std::string(c.name)).c_str(),
                                     std::string(c.description).c_str());
    for (auto& c : dp::drop_reason_info)
        rte_tel_data_add_dict_string(d, ("drop_" + std::string(c.name)).c_str(),
                                     std::string(c.description).c_str());
    for (auto& c : dp::stage_info)
        rte_tel_data_add_dict_string(d, ("stage_" + std::string(c.name)).c_str(),
                                     std::string(c.description).c_str());
    for (auto& c : port_stat_info)
        rte_tel_data_add_dict_string(d, ("port_" + std::string(c.name)).c_str(), c.description);
    return 0;
}

int cmd_routes(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        size_t row = 0;
        for (auto& r : a.dataplane().routes().routes()) {
            if (row >= RTE_TEL_MAX_DICT_ENTRIES) break;
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_string(
                c, "dst_address",
                (net::to_string(r.prefix) + "/" + std::to_string(r.length)).c_str());
            rte_tel_data_add_dict_string(c, "type", kind_name(r.next_hop.kind));
            if (r.next_hop.kind == dp::NextHopKind::Gateway)
                rte_tel_data_add_dict_string(c, "gateway", ip_text(r.next_hop.gateway_be).c_str());
            if (r.next_hop.kind == dp::NextHopKind::Session)
                rte_tel_data_add_dict_u64(c, "session", r.next_hop.session);
            else if (r.next_hop.kind != dp::NextHopKind::Blackhole)
                rte_tel_data_add_dict_string(
                    c, "interface", a.dataplane().ports()[r.next_hop.port].settings.name.c_str());
            rte_tel_data_add_dict_container(d, std::to_string(row++).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_neighbors(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        static const char* states[] = {"reachable", "probing", "failed", "static"};
        size_t row = 0;
        for (auto& n : a.neighbors().list(Appliance::now_ms())) {
            if (row >= RTE_TEL_MAX_DICT_ENTRIES) break;
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_string(c, "address", ip_text(n.ip_be).c_str());
            rte_tel_data_add_dict_string(c, "mac_address", mac_text(n.mac.data()).c_str());
            rte_tel_data_add_dict_string(c, "interface",
                                         a.dataplane().ports()[n.port].settings.name.c_str());
            rte_tel_data_add_dict_string(c, "state", states[static_cast<int>(n.state)]);
            rte_tel_data_add_dict_u64(c, "age_s", n.age_ms / 1000);
            rte_tel_data_add_dict_container(d, std::to_string(row++).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_proxy_arp(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        size_t row = 0;
        for (auto& e : a.dataplane().proxy_arp().items()) {
            if (row >= RTE_TEL_MAX_DICT_ENTRIES) break;
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_string(c, "address", ip_text(e.first.ip_be).c_str());
            rte_tel_data_add_dict_u64(c, "session", e.second);
            rte_tel_data_add_dict_container(d, std::to_string(row++).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_control(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        auto& c = a.counters();
        rte_tel_data_add_dict_u64(d, "punted", c.punted);
        rte_tel_data_add_dict_u64(d, "punted_unhandled", c.punted_unhandled);
        auto& n = a.neighbors().counters();
        rte_tel_data_add_dict_u64(d, "arp_requests_sent", n.requests_sent);
        rte_tel_data_add_dict_u64(d, "arp_replies_sent", n.replies_sent);
        rte_tel_data_add_dict_u64(d, "arp_learned", n.learned);
        rte_tel_data_add_dict_u64(d, "arp_held", n.held);
        rte_tel_data_add_dict_u64(d, "arp_released", n.released);
        rte_tel_data_add_dict_u64(d, "arp_dropped_queue_full", n.dropped_queue_full);
        rte_tel_data_add_dict_u64(d, "arp_dropped_unresolved", n.dropped_unresolved);
        rte_tel_data_add_dict_u64(d, "arp_expired", n.expired);
        rte_tel_data_add_dict_u64(d, "arp_pending_packets", a.neighbors().pending_packets());
        rte_tel_data_add_dict_u64(d, "mbufs_in_use",
                                  rte_mempool_in_use_count(a.dataplane().pool()));
        rte_tel_data_add_dict_u64(d, "mbufs_available",
                                  rte_mempool_avail_count(a.dataplane().pool()));
        // Published sessions in the workers' session table (the churn test's "slots back").
        rte_tel_data_add_dict_u64(d, "session_table_used", a.dataplane().sessions().size());
        return 0;
    });
}

// One session's row (/ppp active print, plus its limits and the rate-limit's drops).
rte_tel_data* session_dict(const ActiveSession& s) {
    rte_tel_data* c = new_dict();
    // The whole name: DPDK keeps strings up to RTE_TEL_MAX_STRING_LEN - 1 bytes.
    rte_tel_data_add_dict_string(c, "name", s.user.c_str());
    rte_tel_data_add_dict_string(c, "service", s.service.c_str());
    rte_tel_data_add_dict_string(c, "caller_id", s.caller.c_str());
    rte_tel_data_add_dict_string(c, "address", net::to_string(s.address).c_str());
    rte_tel_data_add_dict_u64(c, "uptime_s", s.uptime_s);
    rte_tel_data_add_dict_string(c, "encoding", s.encoding.c_str());
    rte_tel_data_add_dict_string(c, "state", s.state.c_str());
    rte_tel_data_add_dict_u64(c, "rx_bytes", s.rx_bytes);
    rte_tel_data_add_dict_u64(c, "tx_bytes", s.tx_bytes);
    rte_tel_data_add_dict_u64(c, "rx_packets", s.rx_packets);
    rte_tel_data_add_dict_u64(c, "tx_packets", s.tx_packets);
    rte_tel_data_add_dict_string(c, "rate_limit", s.rate_limit.c_str());
    if (s.bytes_in_left) rte_tel_data_add_dict_u64(c, "bytes_in_left", *s.bytes_in_left);
    if (s.bytes_out_left) rte_tel_data_add_dict_u64(c, "bytes_out_left", *s.bytes_out_left);
    rte_tel_data_add_dict_u64(c, "rate_limit_dropped_rx", s.rate_dropped_rx);
    rte_tel_data_add_dict_u64(c, "rate_limit_dropped_tx", s.rate_dropped_tx);
    return c;
}

// Sessions, a page at a time (telemetry replies are limited to 16 KiB): the parameter is the
// first session id to list; `next` in the reply is where the following page starts.
int cmd_sessions(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        uint32_t from =
            params && *params ? static_cast<uint32_t>(std::strtoul(params, nullptr, 10)) : 0;
        constexpr size_t page = 20; // rows of ~20 fields: well within 16 KiB
        size_t listed = 0;
        for (auto& s : a.sessions()) {
            if (s.id < from) continue;
            if (listed == page) {
                rte_tel_data_add_dict_u64(d, "next", s.id);
                break;
            }
            rte_tel_data_add_dict_container(d, std::to_string(s.id).c_str(), session_dict(s), 0);
            ++listed;
        }
        return 0;
    });
}

// Recently ended sessions, oldest first, keyed by position (ids are reused), with the reason.
int cmd_sessions_ended(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        size_t from = params && *params ? std::strtoul(params, nullptr, 10) : 0;
        constexpr size_t page = 20; // rows of ~20 fields: well within 16 KiB
        auto ended = a.ended_sessions();
        for (size_t i = from; i < ended.size(); ++i) {
            if (i == from + page) {
                rte_tel_data_add_dict_u64(d, "next", i);
                break;
            }
            rte_tel_data* c = session_dict(ended[i]);
            rte_tel_data_add_dict_u64(c, "id", ended[i].id);
            rte_tel_data_add_dict_string(c, "end_reason", ended[i].end_reason.c_str());
            rte_tel_data_add_dict_container(d, std::to_string(i).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_disconnect(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        if (!params || !*params) {
            rte_tel_data_add_dict_string(d, "error",
                                         "usage: /vpnplane/disconnect,<session id or user>");
            return 0;
        }
        size_t n = a.disconnect(params);
        if (n == 0)
            rte_tel_data_add_dict_string(d, "error", "no such session");
        else
            rte_tel_data_add_dict_u64(d, "disconnected", n);
        return 0;
    });
}

int cmd_pools(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        size_t row = 0;
        for (auto& p : a.aaa().pool_usage()) {
            if (row >= RTE_TEL_MAX_DICT_ENTRIES) break;
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_string(c, "name", p.name.c_str());
            rte_tel_data_add_dict_u64(c, "total", p.total);
            rte_tel_data_add_dict_u64(c, "used", p.used);
            rte_tel_data_add_dict_u64(c, "reserved", p.reserved);
            rte_tel_data_add_dict_u64(c, "available", p.available);
            rte_tel_data_add_dict_string(c, "retired", p.retired ? "yes" : "no");
            rte_tel_data_add_dict_container(d, std::to_string(row++).c_str(), c, 0);
        }
        return 0;
    });
}

// First row of a paged table: the command's parameter, 0 without one.
size_t first_row(const char* params) {
    return params && *params ? static_cast<size_t>(std::strtoul(params, nullptr, 10)) : 0;
}

std::string address_text(const std::optional<aaa::AddressSource>& a) {
    if (!a) return "";
    if (auto* ip = std::get_if<net::Ipv4>(&*a)) return net::to_string(*ip);
    return std::get<std::string>(*a); // a pool's name
}

const char* tristate_text(aaa::Tristate t) {
    return t == aaa::Tristate::Yes ? "yes" : t == aaa::Tristate::No ? "no" : "default";
}

const char* encryption_text(aaa::EncryptionSetting e) {
    switch (e) {
    case aaa::EncryptionSetting::No:
        return "no";
    case aaa::EncryptionSetting::Yes:
        return "yes";
    case aaa::EncryptionSetting::Required:
        return "required";
    case aaa::EncryptionSetting::Default:
        break;
    }
    return "default";
}

// The configured PPP profiles (/ppp profile print), a page at a time as in cmd_sessions: the
// parameter is the first row; `next` is where the following page starts.
int cmd_profiles(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        const auto& profiles = a.services().aaa.profiles;
        constexpr size_t page = 40;
        for (size_t row = first_row(params); row < profiles.size(); ++row) {
            if (row == first_row(params) + page) {
                rte_tel_data_add_dict_u64(d, "next", row);
                break;
            }
            const aaa::PppProfile& p = profiles[row];
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_string(c, "name", p.name.c_str());
            rte_tel_data_add_dict_string(c, "local_address", address_text(p.local_address).c_str());
            rte_tel_data_add_dict_string(c, "remote_address",
                                         address_text(p.remote_address).c_str());
            rte_tel_data_add_dict_string(c, "use_encryption", encryption_text(p.use_encryption));
            rte_tel_data_add_dict_string(c, "only_one", tristate_text(p.only_one));
            rte_tel_data_add_dict_string(c, "change_tcp_mss", tristate_text(p.change_tcp_mss));
            rte_tel_data_add_dict_string(c, "builtin", p.builtin ? "yes" : "no");
            rte_tel_data_add_dict_container(d, std::to_string(row).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_firewall_filter(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        firewall_rules_dict(a, first_row(params), false, d);
        return 0;
    });
}

int cmd_firewall_mangle(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        firewall_rules_dict(a, first_row(params), true, d);
        return 0;
    });
}

int cmd_firewall_nat(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        firewall_nat_dict(a, first_row(params), d);
        return 0;
    });
}

int cmd_conntrack(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        conntrack_dict(a, d);
        return 0;
    });
}

int cmd_firewall_connections(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        firewall_connections_dict(a, first_row(params), d);
        return 0;
    });
}

int cmd_address_list(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(
        d, [&](Appliance& a) { return firewall_address_list_dict(a, first_row(params), d), 0; });
}

// The configured PPP secrets (/ppp secret print) without their passwords, paged as profiles.
int cmd_secrets(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        const auto& secrets = a.services().aaa.secrets;
        constexpr size_t page = 40;
        for (size_t row = first_row(params); row < secrets.size(); ++row) {
            if (row == first_row(params) + page) {
                rte_tel_data_add_dict_u64(d, "next", row);
                break;
            }
            const aaa::PppSecret& s = secrets[row];
            auto ip = [](const std::optional<net::Ipv4>& v) {
                return v ? net::to_string(*v) : std::string();
            };
            rte_tel_data* c = new_dict();
            rte_tel_data_add_dict_string(c, "name", s.name.c_str());
            rte_tel_data_add_dict_string(c, "service", aaa::to_string(s.service));
            rte_tel_data_add_dict_string(c, "profile", s.profile.c_str());
            rte_tel_data_add_dict_string(c, "caller_id", ip(s.caller_id).c_str());
            rte_tel_data_add_dict_string(c, "local_address", ip(s.local_address).c_str());
            rte_tel_data_add_dict_string(c, "remote_address", ip(s.remote_address).c_str());
            rte_tel_data_add_dict_string(c, "disabled", s.disabled ? "yes" : "no");
            rte_tel_data_add_dict_container(d, std::to_string(row).c_str(), c, 0);
        }
        return 0;
    });
}

int cmd_sstp(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) { return sstp_service_dict(a, d), 0; });
}

int cmd_ovpn(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) { return ovpn_service_dict(a, d), 0; });
}

// The TCP engines' counters and gauges, summed over the workers (names as in dataplane/tcp).
int cmd_tcp(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        rte_tel_data_start_dict(d);
        tcp::EngineCounters sum;
        tcp::EngineGauges gauges;
        bool any = false;
        for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w) {
            const tcp::Engine* e = a.dataplane().worker_tcp_engine(w);
            if (!e) continue;
            any = true;
            sum += e->counters();
            tcp::EngineGauges g = e->gauges();
            gauges.connections += g.connections;
            gauges.syn_received += g.syn_received;
            gauges.established += g.established;
            gauges.time_wait += g.time_wait;
        }
        if (!any) {
            rte_tel_data_add_dict_string(d, "error", "no TCP service is enabled");
            return 0;
        }
        size_t n = 0;
        const tcp::CounterInfo* table = tcp::counter_table(n);
        for (size_t i = 0; i < n && i < RTE_TEL_MAX_DICT_ENTRIES - 4; ++i)
            rte_tel_data_add_dict_u64(d, table[i].name, sum.*(table[i].field));
        rte_tel_data_add_dict_u64(d, "connections", gauges.connections);
        rte_tel_data_add_dict_u64(d, "syn_received", gauges.syn_received);
        rte_tel_data_add_dict_u64(d, "established", gauges.established);
        rte_tel_data_add_dict_u64(d, "time_wait", gauges.time_wait);
        return 0;
    });
}

int cmd_reload(const char*, const char*, rte_tel_data* d) {
    std::function<std::string(bool&)> fn;
    {
        std::lock_guard lock(attach_mutex);
        fn = reload_fn;
    }
    rte_tel_data_start_dict(d);
    if (!fn) {
        rte_tel_data_add_dict_string(d, "error", "the appliance is not running");
        return 0;
    }
    bool ok = false;
    std::string text = fn(ok);
    reload_reply(text, ok, d);
    return 0;
}

int cmd_metrics(const char*, const char* params, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) { return metrics_page(a, params, d); });
}

int cmd_interfaces(const char*, const char*, rte_tel_data* d) {
    return with_appliance(d, [&](Appliance& a) {
        interfaces_dict(a, d);
        return 0;
    });
}

int cmd_log(const char*, const char* params, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    std::string p = params ? params : "";
    auto comma = p.find(',');
    auto topic = log::topic_from_name(p.substr(0, comma));
    auto level =
        comma == std::string::npos ? std::nullopt : log::level_from_name(p.substr(comma + 1));
    if (!topic || !level) {
        rte_tel_data_add_dict_string(d, "error",
                                     "usage: /vpnplane/log,<topic>,<error|warning|info|debug>");
        return 0;
    }
    log::set_level(*topic, *level);
    rte_tel_data_add_dict_string(d, "result", "ok");
    return 0;
}

} // namespace

void attach_telemetry(Appliance* appliance, std::function<std::string(bool& ok)> reload) {
    std::call_once(registered, [] {
        rte_telemetry_register_cmd("/vpnplane/info", cmd_info,
                                   "Appliance summary. Takes no parameters.");
        rte_telemetry_register_cmd("/vpnplane/ports", cmd_ports,
                                   "Ports: role, address, link and ethdev statistics.");
        rte_telemetry_register_cmd("/vpnplane/port_xstats", cmd_port_xstats,
                                   "Extended statistics of a port. Parameter: interface name.");
        rte_telemetry_register_cmd("/vpnplane/workers", cmd_workers,
                                   "Per-worker counters (rx/tx, busy/idle polls and cycles).");
        rte_telemetry_register_cmd("/vpnplane/drops", cmd_drops,
                                   "Dropped packets by reason, summed over workers.");
        rte_telemetry_register_cmd("/vpnplane/stages", cmd_stages,
                                   "Packets and TSC cycles per processing stage.");
        rte_telemetry_register_cmd("/vpnplane/counters", cmd_counters,
                                   "One-line description of every counter.");
        rte_telemetry_register_cmd("/vpnplane/routes", cmd_routes, "The routing table.");
        rte_telemetry_register_cmd("/vpnplane/neighbors", cmd_neighbors, "The ARP table.");
        rte_telemetry_register_cmd("/vpnplane/proxy_arp", cmd_proxy_arp,
                                   "Addresses answered by proxy-ARP.");
        rte_telemetry_register_cmd("/vpnplane/control", cmd_control,
                                   "Control-plane counters (punts, ARP resolution, mbufs).");
        rte_telemetry_register_cmd(
            "/vpnplane/reload", cmd_reload,
            "Re-read the configuration file and apply what can change live.");
        rte_telemetry_register_cmd("/vpnplane/log", cmd_log,
                                   "Set a log topic's level. Parameters: topic,level.");
        rte_telemetry_register_cmd("/vpnplane/sessions", cmd_sessions,
                                   "Active VPN sessions (/ppp active). Parameter: first id.");
        rte_telemetry_register_cmd("/vpnplane/sessions_ended", cmd_sessions_ended,
                                   "Recently ended VPN sessions and why. Parameter: first row.");
        rte_telemetry_register_cmd("/vpnplane/disconnect", cmd_disconnect,
                                   "End a session. Parameter: session id or user.");
        rte_telemetry_register_cmd("/vpnplane/pools", cmd_pools, "IP pool usage (/ip pool used).");
        rte_telemetry_register_cmd("/vpnplane/profiles", cmd_profiles,
                                   "PPP profiles (/ppp profile print). Parameter: first row.");
        rte_telemetry_register_cmd("/vpnplane/secrets", cmd_secrets,
                                   "PPP secrets, without passwords. Parameter: first row.");
        rte_telemetry_register_cmd("/vpnplane/ovpn", cmd_ovpn, "OpenVPN server counters.");
        rte_telemetry_register_cmd("/vpnplane/interfaces", cmd_interfaces,
                                   "Client links (ovpn_clients).");
        rte_telemetry_register_cmd("/vpnplane/sstp", cmd_sstp,
                                   "SSTP server counters (data path, drop reasons).");
        rte_telemetry_register_cmd("/vpnplane/firewall_filter", cmd_firewall_filter,
                                   "Firewall filter rules with packet and byte counters "
                                   "(/ip firewall filter print stats). Parameter: first row.");
        rte_telemetry_register_cmd("/vpnplane/firewall_mangle", cmd_firewall_mangle,
                                   "Firewall mangle (change-mss) rules with packet and byte "
                                   "counters. Parameter: first row.");
        rte_telemetry_register_cmd("/vpnplane/firewall_nat", cmd_firewall_nat,
                                   "Firewall NAT rules (/ip firewall nat print). Parameter: "
                                   "first row.");
        rte_telemetry_register_cmd("/vpnplane/conntrack", cmd_conntrack,
                                   "Connection tracking: connections, created, expired, NAT "
                                   "translations and drops.");
        rte_telemetry_register_cmd("/vpnplane/firewall_connections", cmd_firewall_connections,
                                   "Tracked connections (/ip firewall connection print). "
                                   "Parameter: first row.");
        rte_telemetry_register_cmd("/vpnplane/firewall_address_list", cmd_address_list,
                                   "Address list entries, D: dynamic. Parameter: first row.");
        rte_telemetry_register_cmd("/vpnplane/tcp", cmd_tcp,
                                   "TCP engine counters and connection gauges.");
        rte_telemetry_register_cmd("/vpnplane/metrics", cmd_metrics,
                                   "Prometheus exposition, paged. Parameter: sessions, or "
                                   "generation,offset.");
    });
    std::lock_guard lock(attach_mutex);
    attached = appliance;
    reload_fn = std::move(reload);
}

} // namespace vp::ctl
