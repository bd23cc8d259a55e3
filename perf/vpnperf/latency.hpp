// Latency histogram: log-linear buckets over nanoseconds (64 per power of two, so a percentile is
// within ~1.6% of the true value; exact below 128 ns), plus exact count, minimum, maximum and sum.
// Written by one receive core, merged by the main core after the run. No heap per sample.
#pragma once

#include <array>
#include <cstdint>

namespace vp::perf {

class LatencyHistogram {
public:
    static constexpr int kSubBits = 6;
    static constexpr uint32_t kLinear = 2u << kSubBits;                                    // 128
    static constexpr uint32_t kBuckets = kLinear + (64 - kSubBits - 1) * (1u << kSubBits); // 3776

    void record(uint64_t ns) {
        ++buckets_[bucket_of(ns)];
        ++count_;
        sum_ += ns;
        if (ns > max_) max_ = ns;
        if (ns < min_) min_ = ns;
    }
    void merge(const LatencyHistogram& other);

    uint64_t count() const { return count_; }
    uint64_t max_ns() const { return count_ ? max_ : 0; }
    uint64_t min_ns() const { return count_ ? min_ : 0; }
    double mean_ns() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
    // The value below which a fraction `q` (0..1) of the samples lie: the midpoint of the
    // bucket holding that rank, clamped to [min, max]. 0 without samples.
    uint64_t percentile_ns(double q) const;

    static uint32_t bucket_of(uint64_t ns);
    static uint64_t bucket_low(uint32_t bucket);
    static uint64_t bucket_width(uint32_t bucket);

private:
    std::array<uint64_t, kBuckets> buckets_{};
    uint64_t count_ = 0;
    uint64_t sum_ = 0;
    uint64_t max_ = 0;
    uint64_t min_ = UINT64_MAX;
};

} // namespace vp::perf
