// The Prometheus exposition writer (names, escaping, families) and the metrics endpoint's
// request parser (control/mgmt/prometheus.hpp, control/mgmt/http_request.hpp).
#include "control/mgmt/http_request.hpp"
#include "control/mgmt/prometheus.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace prom = vp::ctl::prom;
namespace http = vp::ctl::http;

TEST(Prometheus, MetricAndLabelNames) {
    EXPECT_TRUE(prom::valid_metric_name("vpnplane_worker_rx_packets_total"));
    EXPECT_TRUE(prom::valid_metric_name("a:b_c9"));
    EXPECT_FALSE(prom::valid_metric_name(""));
    EXPECT_FALSE(prom::valid_metric_name("9lives"));
    EXPECT_FALSE(prom::valid_metric_name("has-dash"));
    EXPECT_FALSE(prom::valid_metric_name("sp ace"));
    EXPECT_TRUE(prom::valid_label_name("user"));
    EXPECT_FALSE(prom::valid_label_name("__name__"));
    EXPECT_FALSE(prom::valid_label_name("a:b"));
    EXPECT_FALSE(prom::valid_label_name("1a"));
}

TEST(Prometheus, Escaping) {
    EXPECT_EQ(prom::escape_label_value(R"(a"b\c)"), R"(a\"b\\c)");
    EXPECT_EQ(prom::escape_label_value("two\nlines"), "two\\nlines");
    EXPECT_EQ(prom::escape_label_value("plain ünïcode"), "plain ünïcode");
    EXPECT_EQ(prom::escape_help("a \"quoted\" \\ help\nline"), "a \"quoted\" \\\\ help\\nline");
}

TEST(Prometheus, FamiliesAndSamples) {
    prom::Writer w;
    ASSERT_TRUE(w.family("vpnplane_x_total", prom::Type::Counter, "the x's\nsecond line"));
    w.sample(uint64_t{7});
    w.sample(uint64_t{18446744073709551615u}, {{"worker", "0"}, {"reason", "no_route"}});
    ASSERT_TRUE(w.family("vpnplane_temp_celsius", prom::Type::Gauge, "a gauge"));
    w.sample(1.5, {{"user", "bob \"the\" \\builder\\\n"}});
    std::vector<prom::Label> labels = {{"id", "3"}, {"user", "alice"}};
    w.sample(uint64_t{0}, labels);
    EXPECT_TRUE(w.errors().empty());
    EXPECT_EQ(w.text(), "# HELP vpnplane_x_total the x's\\nsecond line\n"
                        "# TYPE vpnplane_x_total counter\n"
                        "vpnplane_x_total 7\n"
                        "vpnplane_x_total{worker=\"0\",reason=\"no_route\"} 18446744073709551615\n"
                        "# HELP vpnplane_temp_celsius a gauge\n"
                        "# TYPE vpnplane_temp_celsius gauge\n"
                        "vpnplane_temp_celsius{user=\"bob \\\"the\\\" \\\\builder\\\\\\n\"} 1.5\n"
                        "vpnplane_temp_celsius{id=\"3\",user=\"alice\"} 0\n");
}

TEST(Prometheus, RefusesWhatPromtoolWould) {
    prom::Writer w;
    EXPECT_FALSE(w.family("vpnplane_x", prom::Type::Counter, "no _total")); // counter naming
    w.sample(uint64_t{1});                                                  // no family
    EXPECT_FALSE(w.family("bad-name", prom::Type::Gauge, "h"));
    EXPECT_TRUE(w.family("vpnplane_y", prom::Type::Gauge, "h"));
    EXPECT_FALSE(w.family("vpnplane_y", prom::Type::Gauge, "again")); // duplicate family
    EXPECT_TRUE(w.family("vpnplane_z", prom::Type::Gauge, "h"));
    w.sample(uint64_t{1}, {{"__name__", "x"}});
    w.sample(uint64_t{1}, {{"a", "x"}, {"a", "y"}});
    EXPECT_EQ(w.errors().size(), 6u);
    EXPECT_EQ(w.text(), "# HELP vpnplane_y h\n# TYPE vpnplane_y gauge\n"
                        "# HELP vpnplane_z h\n# TYPE vpnplane_z gauge\n");
}

TEST(HttpRequest, ServesMetrics) {
    auto r = http::parse_request("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");
    ASSERT_EQ(r.state, http::State::Done);
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.head);
    EXPECT_FALSE(r.sessions);
    r = http::parse_request("HEAD /metrics?sessions=1 HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.head);
    EXPECT_TRUE(r.sessions);
    auto response = http::metrics_response("a 1\n", false);
    EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(response.find("Content-Length: 4\r\n"), std::string::npos);
    EXPECT_TRUE(response.ends_with("\r\n\r\na 1\n"));
    EXPECT_TRUE(http::metrics_response("a 1\n", true).ends_with("\r\n\r\n"));
}

TEST(HttpRequest, IncompleteUntilTheEmptyLine) {
    EXPECT_EQ(http::parse_request("").state, http::State::Incomplete);
    EXPECT_EQ(http::parse_request("GET /metrics HTTP/1.1\r\nHost: x\r\n").state,
              http::State::Incomplete);
}

TEST(HttpRequest, ClearErrors) {
    auto status = [](std::string_view bytes) { return http::parse_request(bytes).status; };
    EXPECT_EQ(status("GET / HTTP/1.1\r\n\r\n"), 404);
    EXPECT_EQ(status("GET /metricsx HTTP/1.1\r\n\r\n"), 404);
    EXPECT_EQ(status("POST /metrics HTTP/1.1\r\n\r\n"), 405);
    EXPECT_NE(http::error_response(405, "only GET").find("Allow: GET, HEAD\r\n"),
              std::string::npos);
    EXPECT_EQ(status("GET /metrics HTTP/2.0\r\n\r\n"), 400);
    EXPECT_EQ(status("GET  /metrics HTTP/1.1\r\n\r\n"), 400);
    EXPECT_EQ(status("GET metrics HTTP/1.1\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /metrics?all HTTP/1.1\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /metrics HTTP/1.1\r\nNo colon\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /metrics HTTP/1.1\r\nX: a\x01\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /met\x01"), 400); // refused before the head is complete
    EXPECT_EQ(status(std::string(5000, 'a')), 431);
    std::string long_header = "GET /metrics HTTP/1.1\r\nX: " + std::string(5000, 'b') + "\r\n\r\n";
    EXPECT_EQ(status(long_header), 431);
    auto bad = http::parse_request("GET / HTTP/1.1\r\n\r\n");
    EXPECT_FALSE(bad.reason.empty());
    auto text = http::error_response(bad.status, bad.reason);
    EXPECT_TRUE(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
}
