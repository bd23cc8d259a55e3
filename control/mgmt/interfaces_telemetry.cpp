// The client links for telemetry.
#include "control/mgmt/interfaces_telemetry.hpp"

#include "control/appliance.hpp"
#include "control/client_service.hpp"
#include "control/sstp/sstp_service.hpp"

namespace vp::ctl {

void interfaces_dict(Appliance& appliance, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    size_t row = 0; // keys may not hold '-': rows are numbered, the name is a value
    for (auto& s : appliance.registry().services()) {
        auto* clients = dynamic_cast<const ClientService*>(s.get());
        auto* sstp = dynamic_cast<const SstpService*>(s.get());
        if (!clients && !sstp) continue;
        const char* type = clients ? "ovpn-client" : "sstp-client";
        for (auto& l : clients ? clients->links(Appliance::now_ms())
                               : sstp->client_links(Appliance::now_ms())) {
            rte_tel_data* c = rte_tel_data_alloc();
            rte_tel_data_start_dict(c);
            rte_tel_data_add_dict_string(c, "name", l.name.c_str());
            rte_tel_data_add_dict_string(c, "type", type);
            rte_tel_data_add_dict_string(c, "state", l.state.c_str());
            rte_tel_data_add_dict_string(c, "server", l.server.c_str());
            rte_tel_data_add_dict_u64(c, "local_port", l.local_port);
            rte_tel_data_add_dict_string(
                c, "local_address", l.local_address ? net::to_string(l.local_address).c_str() : "");
            rte_tel_data_add_dict_string(c, "remote_address",
                                         l.remote_address ? net::to_string(l.remote_address).c_str()
                                                          : "");
            rte_tel_data_add_dict_u64(c, "uptime_s", l.uptime_s);
            rte_tel_data_add_dict_string(c, "encoding", l.encoding.c_str());
            rte_tel_data_add_dict_string(c, "peer_id",
                                         l.peer_id ? std::to_string(*l.peer_id).c_str() : "");
            std::string routes;
            for (auto& r : l.routes)
                routes += (routes.empty() ? "" : ",") + net::to_string(r);
            rte_tel_data_add_dict_string(c, "routes", routes.c_str());
            rte_tel_data_add_dict_string(c, "last_error", l.last_error.substr(0, 120).c_str());
            rte_tel_data_add_dict_u64(c, "failed_attempts", l.attempts);
            rte_tel_data_add_dict_u64(c, "retry_in_ms", l.retry_in_ms);
            rte_tel_data_add_dict_u64(c, "rx_packets", l.rx_packets);
            rte_tel_data_add_dict_u64(c, "rx_bytes", l.rx_bytes);
            rte_tel_data_add_dict_u64(c, "tx_packets", l.tx_packets);
            rte_tel_data_add_dict_u64(c, "tx_bytes", l.tx_bytes);
            rte_tel_data_add_dict_container(d, std::to_string(row++).c_str(), c, 0);
        }
    }
}

} // namespace vp::ctl
