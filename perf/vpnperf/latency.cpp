// Latency histogram buckets and percentiles (see latency.hpp).
#include "perf/vpnperf/latency.hpp"

#include <algorithm>
#include <cmath>

namespace vp::perf {

uint32_t LatencyHistogram::bucket_of(uint64_t ns) {
    if (ns < kLinear) return static_cast<uint32_t>(ns);
    const int msb = 63 - __builtin_clzll(ns); // >= kSubBits + 1
    const int shift = msb - kSubBits;
    const auto top = static_cast<uint32_t>(ns >> shift); // 64..127
    return kLinear + static_cast<uint32_t>(msb - kSubBits - 1) * (1u << kSubBits) +
           (top - (1u << kSubBits));
}

uint64_t LatencyHistogram::bucket_low(uint32_t bucket) {
    if (bucket < kLinear) return bucket;
    const uint32_t octave = (bucket - kLinear) >> kSubBits;
    const uint64_t top = ((bucket - kLinear) & ((1u << kSubBits) - 1)) + (1u << kSubBits);
    return top << (octave + 1);
}

uint64_t LatencyHistogram::bucket_width(uint32_t bucket) {
    if (bucket < kLinear) return 1;
    return uint64_t{1} << (((bucket - kLinear) >> kSubBits) + 1);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (uint32_t i = 0; i < kBuckets; ++i)
        buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
}

uint64_t LatencyHistogram::percentile_ns(double q) const {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto rank =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
    uint64_t seen = 0;
    for (uint32_t i = 0; i < kBuckets; ++i) {
        seen += buckets_[i];
        if (seen >= rank) {
            const uint64_t mid = bucket_low(i) + bucket_width(i) / 2;
            return std::clamp(mid, min_, max_);
        }
    }
    return max_;
}

} // namespace vp::perf
