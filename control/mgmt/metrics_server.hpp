// The Prometheus scrape endpoint (mgmt.prometheus_listen): a small non-blocking HTTP/1.x server
// on a kernel TCP socket, polled by the control loop (never a worker). It answers GET/HEAD
// /metrics with the exposition and closes the connection; at most max_connections at once, each
// given idle_timeout_ms to send its request head (bounded by http::max_request_head).
#pragma once

#include "base/ipv4.hpp"
#include "base/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vp::ctl {

class MetricsServer {
public:
    static constexpr size_t max_connections = 16;
    static constexpr uint64_t idle_timeout_ms = 5000;

    // Binds and listens on address:port (port 0: any free port, see port()).
    static Result<std::unique_ptr<MetricsServer>> listen(net::Ipv4 address, uint16_t port);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Accepts, reads and answers what is ready; `collect(sessions)` builds the exposition.
    // Returns how many sockets made progress.
    uint32_t poll(const std::function<std::string(bool sessions)>& collect, uint64_t now_ms);
    uint16_t port() const { return port_; }

    struct Counters {
        uint64_t requests = 0;  // answered with 200
        uint64_t refused = 0;   // answered with an error status
        uint64_t timed_out = 0; // closed without a complete request
    };
    const Counters& counters() const { return counters_; }

private:
    struct Connection {
        int fd = -1;
        std::string in;
        std::string out;
        size_t sent = 0;
        bool answered = false;
        bool shut = false; // the answer is sent and the write side closed
        uint64_t deadline_ms = 0;
    };
    MetricsServer(int fd, uint16_t port) : fd_(fd), port_(port) {}
    bool serve(Connection& c, const std::function<std::string(bool)>& collect);

    int fd_ = -1;
    uint16_t port_ = 0;
    std::vector<Connection> connections_;
    Counters counters_;
};

} // namespace vp::ctl
