// sstp_peer: an SSTP client that behaves like Windows 10, Windows 11 or RouterOS (profiles.hpp),
// built from the project's own client pieces (control/sstp's ClientConnection: OpenSSL TLS,
// HTTP, SSTP, client-role control/ppp, the crypto binding) over a kernel TCP socket, with a TUN
// device as its tunnel interface. It connects, writes what was negotiated to a status file
// (key=value lines), then carries IPv4 between the TUN device and the tunnel until SIGTERM or
// SIGINT, when it sends Call Disconnect and waits for the Ack. Exit status: 0 after a clean
// disconnect, 1 when the call failed or ended otherwise (the reason on stderr), 2 for usage.
// tests/e2e/sstp_peers_test.sh drives it against vpnplaned.
#include "control/sstp/client_connection.hpp"
#include "tests/e2e/sstp_peer/profiles.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

namespace {

using namespace vp;

uint64_t now_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

int usage() {
    std::fprintf(stderr,
                 "usage: sstp_peer --profile windows10|windows11|routeros --auth mschap2|pap\n"
                 "                 --server IPV4 [--port 443] --ca CA.pem --user U --password P\n"
                 "                 --tun NAME --status FILE [--timeout SECONDS]\n");
    return 2;
}

std::string ip_text(net::Ipv4 a) {
    in_addr in{htonl(a)};
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &in, buf, sizeof buf) ? buf : "?";
}

std::string ip_list(const std::vector<net::Ipv4>& v) {
    std::string s;
    for (auto a : v)
        s += (s.empty() ? "" : ",") + ip_text(a);
    return s;
}

// A braced upper-case GUID, as Windows sends in SSTPCORRELATIONID (the kernel's random UUID).
std::string correlation_id() {
    std::ifstream f("/proc/sys/kernel/random/uuid");
    std::string uuid;
    std::getline(f, uuid);
    if (uuid.size() != 36) uuid = "5A5A5A5A-5A5A-5A5A-5A5A-5A5A5A5A5A5A";
    for (char& ch : uuid)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return "{" + uuid + "}";
}

int open_tun(const std::string& name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -1;
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int connect_tcp(const std::string& server, uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, server.c_str(), &sa.sin_addr) != 1) return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

bool write_status(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp);
        f << text;
        if (!f) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::string status_text(const sstp_peer::Profile& profile, const sstp::ClientConnection& c) {
    const sstp::ClientProtocol& p = *c.protocol();
    std::string refused;
    for (uint8_t t : p.ppp().lcp_extra_refused())
        refused += (refused.empty() ? "" : ",") + std::to_string(t);
    auto hash = p.binding_hash();
    return "profile=" + profile.name + "\nencoding=" + c.encoding() +
           "\nauth=" + ppp::to_string(p.ppp().auth_method()) +
           "\nbinding=" + (hash == sstp::HashProtocol::Sha1 ? "sha1" : "sha256") +
           "\naddress=" + ip_text(p.local_address()) + "\nserver=" + ip_text(p.remote_address()) +
           "\ndns=" + ip_list(p.ppp().dns()) + "\nnbns=" + ip_list(p.ppp().nbns()) +
           "\nlcp_refused=" + refused + "\nmru=" + std::to_string(p.ppp().mru()) +
           "\nmtu=" + std::to_string(p.mtu()) + "\n";
}

} // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> a = {{"port", "443"}, {"timeout", "20"}};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strncmp(argv[i], "--", 2) != 0) return usage();
        a[argv[i] + 2] = argv[i + 1];
    }
    if (argc % 2 == 0) return usage();
    for (const char* k : {"profile", "auth", "server", "ca", "user", "password", "tun", "status"})
        if (a[k].empty()) return usage();
    auto profile = sstp_peer::make_profile(a["profile"], a["auth"]);
    if (!profile) return usage();

    tls::PemFiles pem;
    pem.ca = a["ca"];
    auto creds = tls::load_pem_files(pem);
    if (!creds) {
        std::fprintf(stderr, "sstp_peer: %s: %s\n", pem.ca.c_str(), creds.message().c_str());
        return 1;
    }
    auto ctx = tls::Context::client(*creds, profile->tls);
    if (!ctx) {
        std::fprintf(stderr, "sstp_peer: TLS context: %s\n", ctx.message().c_str());
        return 1;
    }
    int tun = open_tun(a["tun"]);
    if (tun < 0) {
        std::fprintf(stderr, "sstp_peer: TUN %s: %s\n", a["tun"].c_str(), std::strerror(errno));
        return 1;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigprocmask(SIG_BLOCK, &sigs, nullptr);
    int sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    int sock = connect_tcp(a["server"], static_cast<uint16_t>(std::stoi(a["port"])));
    if (sock < 0 || sfd < 0) {
        std::fprintf(stderr, "sstp_peer: connect %s:%s: %s\n", a["server"].c_str(),
                     a["port"].c_str(), std::strerror(errno));
        return 1;
    }

    sstp::ClientProtocolConfig pc;
    pc.host = a["server"];
    pc.correlation_id = correlation_id();
    pc.ppp = profile->ppp;
    pc.ppp.user = a["user"];
    pc.ppp.password = a["password"];
    pc.hash_bitmask = profile->hash_bitmask;
    // Longer than the wait below: a call that closes within it was closed by the server's Ack
    // (or its own Disconnect), never by the protocol giving up.
    pc.disconnect_ms = 60'000;
    uint64_t start = now_ms();
    uint64_t connect_deadline = start + std::stoull(a["timeout"]) * 1000;
    sstp::ClientConnection conn(*ctx, pc, start);

    Bytes out; // ciphertext not yet taken by the socket
    bool reported = false, disconnecting = false, server_closed = false;
    uint64_t disconnect_deadline = 0;
    uint64_t tun_in = 0, tun_out = 0, tun_dropped = 0;
    std::vector<uint8_t> buf(65536);
    while (!conn.done() && !server_closed) {
        uint64_t now = now_ms();
        if (!reported && conn.connected()) {
            std::string s = status_text(*profile, conn);
            std::fputs(s.c_str(), stdout);
            std::fflush(stdout);
            if (!write_status(a["status"], s)) {
                std::fprintf(stderr, "sstp_peer: cannot write %s\n", a["status"].c_str());
                return 1;
            }
            reported = true;
        }
        if (!reported && now >= connect_deadline) {
            std::fprintf(stderr, "sstp_peer: not connected within %s s (phase %s%s%s)\n",
                         a["timeout"].c_str(), conn.phase().c_str(),
                         conn.failure().empty() ? "" : ": ", conn.failure().c_str());
            return 1;
        }
        if (disconnecting && now >= disconnect_deadline) break;
        int timeout = 200;
        if (auto d = conn.next_deadline())
            timeout = *d <= now ? 0 : static_cast<int>(std::min<uint64_t>(*d - now, 200));
        // Backpressure: no new tunnel traffic while the socket has a lot to send.
        pollfd fds[3] = {{sock, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0},
                         {out.size() < (1u << 20) ? tun : -1, POLLIN, 0},
                         {sfd, POLLIN, 0}};
        if (poll(fds, 3, timeout) < 0 && errno != EINTR) break;
        now = now_ms();
        if (fds[2].revents & POLLIN) {
            signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si) {
            }
            if (!disconnecting) {
                disconnecting = true;
                disconnect_deadline = now + 7000;
                conn.disconnect(now);
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(sock, buf.data(), buf.size());
            if (n > 0)
                conn.on_data(ByteSpan(buf.data(), static_cast<size_t>(n)), now);
            else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                conn.peer_closed();
                server_closed = true;
            }
        }
        if (fds[1].revents & POLLIN) {
            for (int i = 0; i < 64; ++i) {
                ssize_t n = read(tun, buf.data(), buf.size());
                if (n <= 0) break;
                ++tun_in;
                if (!conn.send_ip(ByteSpan(buf.data(), static_cast<size_t>(n)))) ++tun_dropped;
            }
        }
        for (const Bytes& ip : conn.take_ip_packets())
            if (write(tun, ip.data(), ip.size()) == static_cast<ssize_t>(ip.size())) ++tun_out;
        if (auto d = conn.next_deadline(); d && *d <= now) conn.on_timer(now);
        Bytes c = conn.take_output();
        out.insert(out.end(), c.begin(), c.end());
        while (!out.empty()) {
            ssize_t n = write(sock, out.data(), out.size());
            if (n <= 0) break;
            out.erase(out.begin(), out.begin() + n);
        }
    }
    std::fprintf(stderr, "sstp_peer: %s: %lu packets tun->tunnel (%lu refused), %lu tunnel->tun\n",
                 profile->name.c_str(), static_cast<unsigned long>(tun_in),
                 static_cast<unsigned long>(tun_dropped), static_cast<unsigned long>(tun_out));
    const sstp::ClientProtocol* p = conn.protocol();
    bool clean = disconnecting && p && p->closed() && conn.failure().empty();
    if (clean) {
        std::fprintf(stderr, "sstp_peer: disconnected cleanly (Call Disconnect acknowledged)\n");
        return 0;
    }
    std::fprintf(stderr, "sstp_peer: the call ended: %s (phase %s)\n",
                 conn.failure().empty() ? "no Call Disconnect Ack within 7 s"
                                        : conn.failure().c_str(),
                 conn.phase().c_str());
    return 1;
}
