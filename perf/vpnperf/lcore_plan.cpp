// Job-to-lcore assignment (see lcore_plan.hpp).
#include "perf/vpnperf/lcore_plan.hpp"

#include <algorithm>

namespace vp::perf {

LcorePlan plan_lcores(size_t workers, size_t tx_jobs, size_t rx_jobs) {
    LcorePlan plan;
    size_t slots = std::max<size_t>(1, std::min(workers, tx_jobs + rx_jobs));
    plan.tx.resize(slots);
    plan.rx.resize(slots);
    if (slots == 1) {
        for (size_t i = 0; i < tx_jobs; ++i)
            plan.tx[0].push_back(i);
        for (size_t i = 0; i < rx_jobs; ++i)
            plan.rx[0].push_back(i);
        return plan;
    }
    // Transmit first (one slot each while at least one slot is left for receiving), then the
    // receive jobs over the remaining slots.
    const size_t tx_slots = tx_jobs == 0 ? 0 : std::min(tx_jobs, slots - 1);
    const size_t rx_slots = slots - tx_slots;
    for (size_t i = 0; i < tx_jobs; ++i)
        plan.tx[i % tx_slots].push_back(i);
    for (size_t i = 0; i < rx_jobs; ++i)
        plan.rx[tx_slots + i % rx_slots].push_back(i);
    return plan;
}

} // namespace vp::perf
