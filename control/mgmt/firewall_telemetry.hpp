// The firewall's telemetry tables: filter and mangle rules with their counters, the NAT rules,
// connection tracking's counters and the tracked connections (RouterOS's /ip firewall ... print).
#pragma once

#include <cstddef>

#include <rte_telemetry.h>

namespace vp::ctl {

class Appliance;

// Each fills `d` (a dict of rows "0", "1", ..., with "next" when a page of 40 is full, from row
// `first`); the caller holds the appliance mutex.
void firewall_rules_dict(Appliance& appliance, size_t first, bool mangle, rte_tel_data* d);
void firewall_nat_dict(Appliance& appliance, size_t first, rte_tel_data* d);
void conntrack_dict(Appliance& appliance, rte_tel_data* d);
void firewall_connections_dict(Appliance& appliance, size_t first, rte_tel_data* d);
void firewall_address_list_dict(Appliance& appliance, size_t first, rte_tel_data* d);

} // namespace vp::ctl
