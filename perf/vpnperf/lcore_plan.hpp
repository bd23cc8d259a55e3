// Which lcore runs which job. vpnperf has up to two transmit jobs (decap on the WAN port, encap on
// the LAN port) and always two receive jobs (one per port: each port must answer ARP). With no
// worker lcore the main lcore runs everything; with one, that worker does; with more, transmit
// and receive get lcores of their own (a transmit core is what limits the generation rate), and
// the rest share. Pure, so that it is unit-tested without DPDK.
#pragma once

#include <cstddef>
#include <vector>

namespace vp::perf {

struct LcorePlan {
    // For each slot (worker lcore in order; a single slot for "main only"), the indexes of the
    // transmit and receive jobs it runs.
    std::vector<std::vector<size_t>> tx;
    std::vector<std::vector<size_t>> rx;
};

LcorePlan plan_lcores(size_t workers, size_t tx_jobs, size_t rx_jobs);

} // namespace vp::perf
