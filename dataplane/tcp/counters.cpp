// The counters' name/description table. See counters.hpp.
#include "dataplane/tcp/counters.hpp"

namespace vp::tcp {

namespace {
#define VP_TCP_COUNTER_INFO(name, desc) {#name, desc, &EngineCounters::name},
const CounterInfo kCounters[] = {VP_TCP_COUNTERS(VP_TCP_COUNTER_INFO)};
#undef VP_TCP_COUNTER_INFO
} // namespace

const CounterInfo* counter_table(size_t& count) {
    count = sizeof kCounters / sizeof kCounters[0];
    return kCounters;
}

EngineCounters& EngineCounters::operator+=(const EngineCounters& o) {
    for (const auto& c : kCounters)
        this->*c.field += o.*c.field;
    return *this;
}

} // namespace vp::tcp
