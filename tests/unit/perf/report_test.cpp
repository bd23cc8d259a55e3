// Results: the latency histogram's percentiles, the JSON and CSV reports, and the lcore plan.
#include "perf/vpnperf/lcore_plan.hpp"
#include "perf/vpnperf/report.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace vp::perf {
namespace {

TEST(LatencyHistogram, BucketsCoverEveryValueInOrder) {
    uint64_t previous_low = 0;
    for (uint32_t b = 1; b < LatencyHistogram::kBuckets; ++b) {
        EXPECT_GT(LatencyHistogram::bucket_low(b), previous_low);
        previous_low = LatencyHistogram::bucket_low(b);
    }
    for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 129ull, 1000ull, 123456789ull, ~0ull}) {
        const uint32_t b = LatencyHistogram::bucket_of(v);
        ASSERT_LT(b, LatencyHistogram::kBuckets);
        EXPECT_LE(LatencyHistogram::bucket_low(b), v);
        EXPECT_GE(LatencyHistogram::bucket_low(b) - 1 + LatencyHistogram::bucket_width(b), v);
    }
}

TEST(LatencyHistogram, PercentilesWithinBucketPrecision) {
    LatencyHistogram h;
    for (uint64_t i = 1; i <= 100000; ++i)
        h.record(i * 10); // 10 ns .. 1 ms, uniform
    EXPECT_EQ(h.count(), 100000u);
    EXPECT_EQ(h.max_ns(), 1000000u);
    EXPECT_EQ(h.min_ns(), 10u);
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
        const double want = q * 1e6;
        EXPECT_NEAR(static_cast<double>(h.percentile_ns(q)), want, want * 0.02) << q;
    }
    EXPECT_EQ(h.percentile_ns(1.0), 1000000u);
    LatencyHistogram other;
    other.record(5000000);
    h.merge(other);
    EXPECT_EQ(h.max_ns(), 5000000u);
    EXPECT_EQ(h.count(), 100001u);
    EXPECT_EQ(LatencyHistogram().percentile_ns(0.5), 0u);
}

RunReport sample_report() {
    RunReport r;
    r.info.cipher = "AES-256-GCM";
    r.info.auth = "none";
    r.info.sessions = 4;
    r.info.size = "imix";
    r.info.rate = "max";
    r.info.duration_s = 2;
    DirectionResult d;
    d.direction = TrafficDirection::Decap;
    d.seconds = 2;
    d.tx_packets = 2000000;
    d.rx_packets = 1990000;
    d.tx_frame_bytes = 2000000ull * 100;
    d.rx_inner_bytes = 1990000ull * 64;
    for (int i = 0; i < 100; ++i)
        d.latency.record(20000);
    r.directions.push_back(d);
    d.direction = TrafficDirection::Encap;
    r.directions.push_back(d);
    return r;
}

TEST(Report, JsonCarriesRatesLossAndLatency) {
    auto j = nlohmann::json::parse(to_json(sample_report()));
    ASSERT_EQ(j["directions"].size(), 2u);
    const auto& d = j["directions"][0];
    EXPECT_EQ(d["direction"], "decap");
    EXPECT_DOUBLE_EQ(d["tx_mpps"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(d["rx_mpps"].get<double>(), 0.995);
    EXPECT_DOUBLE_EQ(d["tx_frame_gbps"].get<double>(), 0.8);
    EXPECT_NEAR(d["rx_inner_gbps"].get<double>(), 0.50944, 1e-9);
    EXPECT_NEAR(d["loss_percent"].get<double>(), 0.5, 1e-9);
    EXPECT_NEAR(d["latency_p99_us"].get<double>(), 20.0, 0.4);
    EXPECT_EQ(d["latency_samples"], 100);
    EXPECT_EQ(j["cipher"], "AES-256-GCM");
    EXPECT_EQ(j["directions"][1]["direction"], "encap");
}

TEST(Report, CsvHasAHeaderAndARowPerDirection) {
    const std::string csv = to_csv(sample_report());
    std::istringstream in(csv);
    std::string header, row1, row2, extra;
    std::getline(in, header);
    std::getline(in, row1);
    std::getline(in, row2);
    EXPECT_FALSE(std::getline(in, extra));
    auto fields = [](const std::string& s) { return std::count(s.begin(), s.end(), ',') + 1; };
    EXPECT_EQ(fields(header), fields(row1));
    EXPECT_EQ(fields(header), fields(row2));
    EXPECT_EQ(header.rfind("direction,cipher,auth,sessions,size,rate_pps,loopback,seconds,", 0),
              0u);
    EXPECT_NE(header.find(",loss_percent,"), std::string::npos);
    EXPECT_NE(header.find(",latency_p99_9_us,"), std::string::npos);
    EXPECT_EQ(row1.rfind("decap,AES-256-GCM,none,4,imix,max,false,2,2000000,1990000,", 0), 0u);
}

TEST(Report, WritesByExtension) {
    const std::string base = "/tmp/vpnperf-report-test-" + std::to_string(getpid());
    ASSERT_TRUE(write_report(base + ".json", sample_report()).ok());
    ASSERT_TRUE(write_report(base + ".csv", sample_report()).ok());
    std::ifstream json(base + ".json");
    EXPECT_EQ(json.get(), '{');
    std::ifstream csv(base + ".csv");
    EXPECT_EQ(csv.get(), 'd');
    std::remove((base + ".json").c_str());
    std::remove((base + ".csv").c_str());
    EXPECT_FALSE(write_report(base + ".txt", sample_report()).ok());
}

TEST(LcorePlan, SpreadsJobsOverWorkers) {
    // No worker (main only) and one worker: everything on one slot.
    for (size_t w : {0u, 1u}) {
        LcorePlan p = plan_lcores(w, 2, 2);
        ASSERT_EQ(p.tx.size(), 1u);
        EXPECT_EQ(p.tx[0], (std::vector<size_t>{0, 1}));
        EXPECT_EQ(p.rx[0], (std::vector<size_t>{0, 1}));
    }
    // Two workers: transmit on one, receive on the other.
    LcorePlan two = plan_lcores(2, 2, 2);
    EXPECT_EQ(two.tx, (std::vector<std::vector<size_t>>{{0, 1}, {}}));
    EXPECT_EQ(two.rx, (std::vector<std::vector<size_t>>{{}, {0, 1}}));
    // Three workers, one direction: transmit alone, each port's receive on its own.
    LcorePlan three = plan_lcores(3, 1, 2);
    EXPECT_EQ(three.tx, (std::vector<std::vector<size_t>>{{0}, {}, {}}));
    EXPECT_EQ(three.rx, (std::vector<std::vector<size_t>>{{}, {0}, {1}}));
    // Plenty of workers: one job each, the rest unused.
    LcorePlan many = plan_lcores(8, 2, 2);
    ASSERT_EQ(many.tx.size(), 4u);
    EXPECT_EQ(many.tx[0], std::vector<size_t>{0});
    EXPECT_EQ(many.tx[1], std::vector<size_t>{1});
    EXPECT_EQ(many.rx[2], std::vector<size_t>{0});
    EXPECT_EQ(many.rx[3], std::vector<size_t>{1});
}

} // namespace
} // namespace vp::perf
