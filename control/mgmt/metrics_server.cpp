// The metrics endpoint's non-blocking server (see metrics_server.hpp).
#include "control/mgmt/metrics_server.hpp"

#include "control/mgmt/http_request.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vp::ctl {

Result<std::unique_ptr<MetricsServer>> MetricsServer::listen(net::Ipv4 address, uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(std::string("metrics endpoint: socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(address);
    std::string where = net::to_string(address) + ":" + std::to_string(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || ::listen(fd, 16) < 0) {
        std::string e = std::strerror(errno);
        ::close(fd);
        return make_error("metrics endpoint: cannot listen on " + where + ": " + e);
    }
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    return std::unique_ptr<MetricsServer>(new MetricsServer(fd, ntohs(sa.sin_port)));
}

MetricsServer::~MetricsServer() {
    for (auto& c : connections_)
        ::close(c.fd);
    if (fd_ >= 0) ::close(fd_);
}

// Reads what arrived, answers once the head is complete (or invalid), writes what the socket
// takes. Returns false when the connection is finished (answered, sent and closed by the
// client, or gone).
bool MetricsServer::serve(Connection& c, const std::function<std::string(bool)>& collect) {
    if (!c.answered) {
        char buf[2048];
        for (;;) {
            ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
            if (n > 0) {
                size_t room =
                    http::max_request_head + 1 - std::min(c.in.size(), http::max_request_head + 1);
                c.in.append(buf, std::min(static_cast<size_t>(n), room));
                if (c.in.size() > http::max_request_head) break;
                continue;
            }
            if (n == 0) return false; // closed before a complete request
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return false;
        }
        http::Request r = http::parse_request(c.in);
        if (r.state == http::State::Incomplete) return true;
        c.answered = true;
        if (r.status == 200) {
            ++counters_.requests;
            c.out = http::metrics_response(collect(r.sessions), r.head);
        } else {
            ++counters_.refused;
            c.out = http::error_response(r.status, r.reason);
        }
    }
    while (c.sent < c.out.size()) {
        ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;
    }
    // Answered: half-close, then read and discard until the client closes (or the deadline),
    // so that unread request bytes do not reset the connection before the answer is read.
    if (!c.shut) {
        ::shutdown(c.fd, SHUT_WR);
        c.shut = true;
    }
    char discard[2048];
    for (;;) {
        ssize_t n = ::recv(c.fd, discard, sizeof discard, 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

uint32_t MetricsServer::poll(const std::function<std::string(bool)>& collect, uint64_t now_ms) {
    uint32_t work = 0;
    while (connections_.size() < max_connections) {
        int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        connections_.push_back({fd, {}, {}, 0, false, false, now_ms + idle_timeout_ms});
        ++work;
    }
    for (size_t i = 0; i < connections_.size();) {
        Connection& c = connections_[i];
        size_t before = c.in.size() + c.sent;
        bool keep = serve(c, collect);
        if (keep && now_ms >= c.deadline_ms) {
            if (!c.answered) ++counters_.timed_out;
            keep = false;
        }
        if (c.in.size() + c.sent != before || !keep) ++work;
        if (!keep) {
            ::close(c.fd);
            connections_[i] = std::move(connections_.back());
            connections_.pop_back();
        } else {
            ++i;
        }
    }
    return work;
}

} // namespace vp::ctl
