// Telemetry socket client.
#include "tools/vpnctl/telemetry_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace vp::tools {

std::string telemetry_socket_path(const std::string& file_prefix) {
    std::string run_dir;
    if (const char* d = std::getenv("RUNTIME_DIRECTORY"))
        run_dir = d;
    else if (getuid() == 0)
        run_dir = "/var/run";
    else if (const char* x = std::getenv("XDG_RUNTIME_DIR"))
        run_dir = x;
    else
        run_dir = "/tmp";
    return run_dir + "/dpdk/" + file_prefix + "/dpdk_telemetry.v2";
}

Result<TelemetryClient> TelemetryClient::connect(const std::string& socket_path) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) {
        close(fd);
        return make_error("socket path too long: " + socket_path);
    }
    std::strcpy(addr.sun_path, socket_path.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        close(fd);
        return make_error("cannot connect to " + socket_path + ": " + std::strerror(err) +
                          " (is vpnplaned running? see `-c` / `-s`)");
    }
    std::vector<char> buf(4096);
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) {
        close(fd);
        return make_error("no greeting on " + socket_path);
    }
    size_t max_output = 16384;
    auto hello = nlohmann::ordered_json::parse(std::string(buf.data(), static_cast<size_t>(n)),
                                               nullptr, false);
    if (!hello.is_discarded() && hello.contains("max_output_len"))
        max_output = hello["max_output_len"].get<size_t>();
    return TelemetryClient(fd, max_output);
}

TelemetryClient::TelemetryClient(TelemetryClient&& other) noexcept
    : fd_(other.fd_), max_output_(other.max_output_) {
    other.fd_ = -1;
}

TelemetryClient::~TelemetryClient() {
    if (fd_ >= 0) close(fd_);
}

Result<nlohmann::ordered_json> TelemetryClient::call(const std::string& command) {
    if (send(fd_, command.data(), command.size(), 0) < 0)
        return make_error(std::string("send: ") + std::strerror(errno));
    std::vector<char> buf(max_output_ + 1024);
    ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) return make_error("the daemon closed the connection");
    auto reply = nlohmann::ordered_json::parse(std::string(buf.data(), static_cast<size_t>(n)),
                                               nullptr, false);
    if (reply.is_discarded()) return make_error("malformed reply to " + command);
    auto key = command.substr(0, command.find(','));
    if (!reply.contains(key) || reply[key].is_null())
        return make_error("the daemon does not know the command " + key);
    return reply[key];
}

} // namespace vp::tools
