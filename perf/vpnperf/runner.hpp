// `vpnperf run` after the EAL is up: opens the two ports, learns the appliance's MAC addresses
// by ARP (answering its requests meanwhile), pre-builds the replay pools, runs the transmit and
// receive jobs on the lcores for the requested time, drains, and collects the results.
#pragma once

#include "base/result.hpp"
#include "perf/vpnperf/options.hpp"
#include "perf/vpnperf/report.hpp"
#include "perf/vpnperf/traffic_model.hpp"

#include <atomic>

namespace vp::perf {

// `interrupted` (may be null) ends the sending phase early when it becomes true (SIGINT).
// `progress`: print one line per second to stderr.
Result<RunReport> run_traffic(const RunOptions& options, const TrafficModel& model,
                              const std::atomic<bool>* interrupted, bool progress);

} // namespace vp::perf
