// A client of DPDK's telemetry socket (SOCK_SEQPACKET, JSON replies), as dpdk-telemetry.py is.
#pragma once

#include "base/result.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace vp::tools {

class TelemetryClient {
public:
    static Result<TelemetryClient> connect(const std::string& socket_path);
    TelemetryClient(TelemetryClient&& other) noexcept;
    TelemetryClient& operator=(TelemetryClient&&) = delete;
    ~TelemetryClient();

    // Sends "/vpnplane/x[,params]" and returns the value under that command's key.
    Result<nlohmann::ordered_json> call(const std::string& command);

private:
    explicit TelemetryClient(int fd, size_t max_output) : fd_(fd), max_output_(max_output) {}
    int fd_ = -1;
    size_t max_output_ = 16384;
};

// /var/run/dpdk/<prefix>/dpdk_telemetry.v2 (as root; $XDG_RUNTIME_DIR or /tmp otherwise).
std::string telemetry_socket_path(const std::string& file_prefix);

} // namespace vp::tools
