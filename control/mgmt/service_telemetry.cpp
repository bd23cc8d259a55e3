// The protocol services' telemetry (service_telemetry.hpp): the OpenVPN server's and the SSTP
// service's counters, with the workers' share of each summed over the workers.
#include "control/mgmt/service_telemetry.hpp"

#include "control/appliance.hpp"
#include "control/ovpn/ovpn_service.hpp"
#include "control/sstp/sstp_service.hpp"

#include <string>
#include <string_view>

namespace vp::ctl {

void sstp_service_dict(Appliance& a, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    const SstpService* s = a.sstp_service();
    if (!s) {
        rte_tel_data_add_dict_string(d, "error", "the SSTP server is not registered");
        return;
    }
    rte_tel_data_add_dict_u64(d, "connections", s->connections());
    rte_tel_data_add_dict_u64(d, "handshakes", s->handshakes());
    const SstpService::DataCounters& c = s->data_counters();
    sstp::ConnectionCounters k = s->connection_counters();
#define VP_SSTP_COUNTER(from, name) rte_tel_data_add_dict_u64(d, #name, from.name)
#define VP_SSTP_SERVICE(name, help) VP_SSTP_COUNTER(c, name);
    // The service's own (the record layer hand-over's among them), then the connections'.
    VP_SSTP_SERVICE_COUNTERS(VP_SSTP_SERVICE)
#undef VP_SSTP_SERVICE
    VP_SSTP_COUNTER(k, ip_frames_not_forwarded);
    VP_SSTP_COUNTER(k, ipv6_frames_dropped);
    VP_SSTP_COUNTER(k, ip_frames_from_client);
    VP_SSTP_COUNTER(k, ip_frames_to_client);
    VP_SSTP_COUNTER(k, ip_frames_to_client_dropped);
    VP_SSTP_COUNTER(k, tls_close_notify);
    VP_SSTP_COUNTER(k, tls_errors);
    // The client links' (sstp_clients), summed.
    sstp::ClientLink::Counters l = s->client_link_counters();
#define VP_SSTP_LINK(name, help) rte_tel_data_add_dict_u64(d, "client_link_" #name, l.name);
    VP_SSTP_LINK_COUNTERS(VP_SSTP_LINK)
#undef VP_SSTP_LINK
    // The workers' side of the record layer (counters and named drops whose names start
    // with sstp_, summed over the workers).
    auto sum_sstp = [&](std::string_view name, auto get) {
        if (!name.starts_with("sstp_")) return;
        uint64_t total = 0;
        for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w)
            total += get(a.dataplane().worker_stats(w));
        rte_tel_data_add_dict_u64(d, std::string(name).c_str(), total);
    };
    for (size_t i = 0; i < dp::worker_counter_info.size(); ++i)
        sum_sstp(dp::worker_counter_info[i].name,
                 [&](const dp::WorkerStats& st) { return st.counters[i].get(); });
    for (size_t r = 0; r < dp::drop_reason_info.size(); ++r)
        sum_sstp(dp::drop_reason_info[r].name,
                 [&](const dp::WorkerStats& st) { return st.drops[r].get(); });
#undef VP_SSTP_COUNTER
}

void ovpn_service_dict(Appliance& a, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    ovpn::Server* s = a.ovpn_server();
    if (!s) {
        rte_tel_data_add_dict_string(d, "error", "the OpenVPN server is not enabled");
        return;
    }
    const ovpn::Counters& c = s->counters();
#define VP_OVPN_COUNTER(name) rte_tel_data_add_dict_u64(d, #name, c.name)
    VP_OVPN_COUNTER(datagrams);
    VP_OVPN_COUNTER(unknown_opcode);
    VP_OVPN_COUNTER(data_unknown_peer);
    VP_OVPN_COUNTER(wrap_rejected);
    VP_OVPN_COUNTER(replayed);
    VP_OVPN_COUNTER(malformed);
    VP_OVPN_COUNTER(wrong_session_id);
    VP_OVPN_COUNTER(unknown_key_id);
    VP_OVPN_COUNTER(no_session);
    VP_OVPN_COUNTER(rate_limited);
    VP_OVPN_COUNTER(rate_limited_prefix);
    VP_OVPN_COUNTER(resets_known_source);
    VP_OVPN_COUNTER(resets_reserve);
    VP_OVPN_COUNTER(bad_cookie);
    VP_OVPN_COUNTER(session_limit);
    VP_OVPN_COUNTER(resets_answered);
    VP_OVPN_COUNTER(sessions_created);
    VP_OVPN_COUNTER(sessions_closed);
    VP_OVPN_COUNTER(tls_failures);
    VP_OVPN_COUNTER(auth_failures);
    VP_OVPN_COUNTER(renegotiations);
    VP_OVPN_COUNTER(keepalive_expiries);
    VP_OVPN_COUNTER(explicit_exits);
#undef VP_OVPN_COUNTER
    rte_tel_data_add_dict_u64(d, "sessions", s->session_count());
    if (const OvpnService* os = a.ovpn_service()) {
        rte_tel_data_add_dict_u64(d, "tcp_handshakes", os->tcp_handshakes());
        const OvpnService::TcpCounters& t = os->tcp_counters();
#define VP_OVPN_TCP(name, help) rte_tel_data_add_dict_u64(d, #name, t.name);
        VP_OVPN_TCP_COUNTERS(VP_OVPN_TCP)
#undef VP_OVPN_TCP
    }
    if (auto* wd = a.ovpn_dataplane()) {
        rte_tel_data_add_dict_u64(d, "datagrams_sent", wd->datagrams_sent());
        rte_tel_data_add_dict_u64(d, "datagrams_send_failed", wd->datagrams_dropped());
    }
}

} // namespace vp::ctl
