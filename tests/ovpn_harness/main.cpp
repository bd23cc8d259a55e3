// TEST HARNESS: runs vp::ovpn::Server on a kernel UDP socket with the EVP data channel, for the
// real-client tests (tests/ovpn_harness/*.sh). Usage: ovpn_harness <config>
// The config holds `ovpn_server { ... }` (as in production), `test_aaa { profiles; secrets }`
// for the fixture AAA, and `harness { listen; log }`.
// Signals: SIGTERM/SIGINT stop; SIGUSR1 logs the session list; SIGUSR2 makes the server start a
// renegotiation with every client; SIGHUP disconnects every client (RESTART).
#include "base/log.hpp"
#include "control/config/reader.hpp"
#include "control/ovpn/server.hpp"
#include "control/ovpn/setup.hpp"
#include "tests/ovpn_harness/fixture_aaa.hpp"
#include "tests/ovpn_harness/udp_dataplane.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

using namespace vp;
using vp::log::Topic;

namespace {

volatile std::sig_atomic_t stop_requested = 0;
volatile std::sig_atomic_t list_requested = 0;
volatile std::sig_atomic_t reneg_requested = 0;
volatile std::sig_atomic_t kick_requested = 0;

uint64_t now_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

aaa::Service parse_service(config::Section& s) {
    return s.get_enum(
        "service", aaa::Service::Any,
        {{"any", aaa::Service::Any}, {"ovpn", aaa::Service::Ovpn}, {"sstp", aaa::Service::Sstp}});
}

std::vector<aaa::Route> parse_routes(config::Section& s) {
    std::vector<aaa::Route> out;
    for (auto& text : s.get_string_list("routes")) {
        // RouterOS: "dst-address [gateway] [metric]"
        auto space = text.find(' ');
        auto prefix = net::parse_prefix(text.substr(0, space));
        if (!prefix) {
            s.error("routes", "'" + text + "' does not start with a prefix");
            continue;
        }
        aaa::Route r;
        r.destination = *prefix;
        auto last = text.rfind(' ');
        if (last != std::string::npos && last != space)
            r.metric = std::stoul(text.substr(last + 1));
        out.push_back(r);
    }
    return out;
}

std::optional<test::FixtureAaa> parse_fixture(config::Section& root) {
    auto g = root.group("test_aaa");
    if (!g) {
        root.error("test_aaa", "is required");
        return std::nullopt;
    }
    std::vector<test::FixtureProfile> profiles;
    for (auto& p : g->groups("profiles")) {
        test::FixtureProfile f;
        f.name = p.req_string("name");
        f.local_address = p.opt_ipv4("local_address").value_or(0);
        if (auto pool = p.opt_string("pool")) f.pool = net::parse_range(*pool);
        f.prefix_length = static_cast<uint8_t>(p.get_int("prefix_length", 24, 1, 32));
        for (auto& d : p.get_string_list("dns"))
            if (auto a = net::parse_ipv4(d)) f.dns_servers.push_back(*a);
        f.only_one = p.get_bool("only_one", false);
        f.session_timeout_s = static_cast<uint32_t>(p.get_seconds("session_timeout", 0, 0, 86400));
        p.finish();
        profiles.push_back(f);
    }
    std::vector<test::FixtureSecret> secrets;
    for (auto& s : g->groups("secrets")) {
        test::FixtureSecret f;
        f.name = s.req_string("name");
        f.password = s.get_string("password", "");
        f.profile = s.get_string("profile", "default");
        f.service = parse_service(s);
        f.disabled = s.get_bool("disabled", false);
        f.local_address = s.opt_ipv4("local_address");
        f.remote_address = s.opt_ipv4("remote_address");
        f.routes = parse_routes(s);
        s.finish();
        secrets.push_back(f);
    }
    g->finish();
    return test::FixtureAaa(std::move(profiles), std::move(secrets));
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <config>\n", argv[0]);
        return 2;
    }
    config::Diagnostics diag;
    auto file = config::read_file(argv[1], diag);
    if (!file) {
        std::fprintf(stderr, "%s", diag.text().c_str());
        return 2;
    }
    config::Section root(file->config->getRoot(), diag);
    std::string listen = "127.0.0.1";
    if (auto h = root.group("harness")) {
        listen = h->get_string("listen", listen);
        auto level = log::level_from_name(h->get_string("log", "info"));
        log::set_all_levels(level.value_or(log::Level::Info));
        h->finish();
    }
    auto aaa_fixture = parse_fixture(root);
    ovpn::ServerConfig config;
    if (auto s = root.group("ovpn_server"))
        config = ovpn::parse_server_config(*s);
    else
        root.error("ovpn_server", "is required");
    root.finish();
    if (!diag.ok() || !aaa_fixture) {
        std::fprintf(stderr, "%s", diag.text().c_str());
        return 2;
    }
    auto credentials = ovpn::load_config_credentials(config);
    if (!credentials) {
        std::fprintf(stderr, "ovpn_server: %s\n", credentials.message().c_str());
        return 2;
    }
    auto setup = ovpn::make_server_setup(config, *credentials);
    if (!setup) {
        std::fprintf(stderr, "%s\n", setup.message().c_str());
        return 2;
    }

    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(config.port);
    auto listen_addr = net::parse_ipv4(listen);
    sa.sin_addr.s_addr = htonl(listen_addr.value_or(0));
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        std::perror("bind");
        return 1;
    }

    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::signal(SIGUSR1, [](int) { list_requested = 1; });
    std::signal(SIGUSR2, [](int) { reneg_requested = 1; });
    std::signal(SIGHUP, [](int) { kick_requested = 1; });

    test::UdpDataplane dataplane(fd);
    {
        ovpn::Server server(*setup, dataplane, *aaa_fixture);
        log::info(Topic::System, "harness: listening on {}:{}", listen, config.port);
        uint64_t last_tick = 0;
        uint8_t buf[65536];
        while (!stop_requested) {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, 50);
            while (true) {
                sockaddr_in from{};
                socklen_t len = sizeof from;
                ssize_t n =
                    ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
                if (n < 0) break;
                ovpn::Endpoint ep{ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)};
                ByteSpan datagram(buf, static_cast<size_t>(n));
                uint64_t now = now_ms();
                auto data = dataplane.handle_data(ep, datagram, now);
                if (data.exit_peer) server.on_explicit_exit(*data.exit_peer, now);
                if (!data.handled) server.on_datagram(ep, 0, datagram, now);
            }
            uint64_t now = now_ms();
            if (now - last_tick >= 100) {
                last_tick = now;
                server.on_timer(now);
                dataplane.send_keepalives(now);
            }
            if (list_requested) {
                list_requested = 0;
                auto list = server.sessions(now);
                log::info(Topic::System, "harness: {} session(s), {} grant(s), {} address(es)",
                          list.size(), aaa_fixture->active_grants(),
                          aaa_fixture->addresses_in_use());
                for (auto& s : list)
                    log::info(Topic::System,
                              "harness: session peer-id={} user={} caller={} address={} "
                              "uptime={}s encoding={} state={} key={} client={}",
                              s.peer_id, s.user, s.caller.to_string(),
                              net::to_string(s.tunnel_address), s.uptime_s, s.encoding, s.state,
                              s.key_id, s.client_version);
            }
            if (reneg_requested) {
                reneg_requested = 0;
                for (auto& s : server.sessions(now))
                    server.renegotiate(s.peer_id, now);
            }
            if (kick_requested) {
                kick_requested = 0;
                for (auto& s : server.sessions(now))
                    server.disconnect(s.peer_id, now);
            }
        }
        auto& c = server.counters();
        log::info(Topic::System,
                  "harness: stopping; datagrams={} resets={} sessions={}/{} tls_failures={} "
                  "auth_failures={} renegotiations={} keepalive_expiries={} exits={} "
                  "bad_cookie={} wrap_rejected={} replayed={}",
                  c.datagrams, c.resets_answered, c.sessions_created, c.sessions_closed,
                  c.tls_failures, c.auth_failures, c.renegotiations, c.keepalive_expiries,
                  c.explicit_exits, c.bad_cookie, c.wrap_rejected, c.replayed);
    }
    log::info(Topic::System, "harness: stopped with {} grant(s) and {} address(es) in use",
              aaa_fixture->active_grants(), aaa_fixture->addresses_in_use());
    ::close(fd);
    return 0;
}
