// Dropping the Linux capabilities vpnplaned no longer needs once DPDK and the ports are up.
// Capabilities are per thread, and rte_eal_init has already started threads (lcore workers,
// interrupt, multi-process and telemetry threads), so the drop is carried out on every thread
// of the process and then checked in /proc/self/task/*/status.
#pragma once

#include "base/result.hpp"

#include <cstdint>
#include <string>

namespace vp::ctl {

// The capabilities kept after start-up: the run-time needs of the DPDK drivers in use.
struct KeptCapabilities {
    uint64_t mask = 0;
    std::string names; // "CAP_NET_ADMIN,CAP_NET_RAW,..." for the log
};

// hugepages_with_physical_addresses: DPDK grows its heap at run time and, in IOVA-as-PA mode,
// reads physical addresses from /proc/self/pagemap, which needs CAP_SYS_ADMIN.
KeptCapabilities capabilities_to_keep(bool hugepages_with_physical_addresses);

// Reduces the effective, permitted, inheritable, ambient and bounding sets of every thread to
// `keep` and sets no_new_privs. Returns how many threads were reduced, or why it failed.
Result<int> drop_capabilities(const KeptCapabilities& keep);

} // namespace vp::ctl
