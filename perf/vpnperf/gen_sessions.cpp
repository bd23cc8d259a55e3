// Session file generation (see gen_sessions.hpp).
#include "perf/vpnperf/gen_sessions.hpp"

#include <openssl/rand.h>

namespace vp::perf {

namespace {

// Usable host addresses of a prefix: all but the network and broadcast addresses, except for
// /31 and /32 where every address is a host.
std::pair<net::Ipv4, uint64_t> hosts(const net::Ipv4Prefix& p) {
    const uint64_t size = uint64_t{1} << (32 - p.length);
    if (p.length >= 31) return {p.network(), size};
    return {p.network() + 1, size - 2};
}

Result<Bytes> random_bytes(size_t n) {
    Bytes b(n);
    if (n != 0 && RAND_bytes(b.data(), static_cast<int>(n)) != 1)
        return make_error("RAND_bytes failed");
    return b;
}

Result<DirectionKeys> random_keys(crypto::Cipher cipher, crypto::Digest auth) {
    DirectionKeys k;
    auto c = random_bytes(crypto::key_bytes(cipher));
    auto h = random_bytes(crypto::digest_bytes(auth));
    auto iv = random_bytes(crypto::is_aead(cipher) ? crypto::DataKey::kImplicitIvBytes : 0);
    if (!c.ok() || !h.ok() || !iv.ok()) return make_error("cannot draw random key material");
    k.cipher_key = std::move(*c);
    k.hmac_key = std::move(*h);
    k.implicit_iv = std::move(*iv);
    return k;
}

} // namespace

Result<SessionFile> generate_sessions(const GenSessionsOptions& o) {
    SessionFile f;
    f.server = o.server;
    f.cipher = o.cipher;
    if (crypto::is_aead(o.cipher))
        f.auth = crypto::Digest::None; // OpenVPN ignores --auth with AEAD ciphers
    else
        f.auth = o.auth.value_or(crypto::Digest::Sha256);
    f.replay_protection = o.replay_protection;
    if (uint64_t{o.first_peer_id} + o.count - 1 > kMaxPeerId)
        return make_error("--first-peer-id + --count: peer-ids would pass 16777214");

    auto [client_first, client_hosts] = hosts(o.client_net);
    std::vector<net::Ipv4> client_addrs;
    for (uint64_t i = 0; i < client_hosts; ++i)
        if (client_first + i != o.server.address)
            client_addrs.push_back(static_cast<net::Ipv4>(client_first + i));
    if (client_addrs.empty())
        return make_error("--client-net " + net::to_string(o.client_net) +
                          " has no address other than the server's");
    const uint64_t ports_needed = (o.count + client_addrs.size() - 1) / client_addrs.size();
    if (o.client_port + ports_needed - 1 > 65535)
        return make_error("--client-net is too small: " + std::to_string(o.count) +
                          " sessions need " + std::to_string(ports_needed) +
                          " UDP ports per address from " + std::to_string(o.client_port));

    auto [tunnel_first, tunnel_hosts] = hosts(o.tunnel_net);
    if (tunnel_hosts < 2 || tunnel_hosts - 1 < o.count)
        return make_error("--tunnel-net " + net::to_string(o.tunnel_net) + " has room for " +
                          std::to_string(tunnel_hosts < 2 ? 0 : tunnel_hosts - 1) +
                          " tunnel addresses, " + std::to_string(o.count) + " needed");

    f.sessions.reserve(o.count);
    for (size_t i = 0; i < o.count; ++i) {
        PerfSession s;
        s.peer_id = o.first_peer_id + static_cast<uint32_t>(i);
        s.key_id = o.key_id;
        s.client.address = client_addrs[i % client_addrs.size()];
        s.client.port = static_cast<uint16_t>(o.client_port + i / client_addrs.size());
        s.tunnel_address = static_cast<net::Ipv4>(tunnel_first + 1 + i);
        auto c2s = random_keys(f.cipher, f.auth);
        auto s2c = random_keys(f.cipher, f.auth);
        if (!c2s.ok()) return c2s.error();
        if (!s2c.ok()) return s2c.error();
        s.client_to_server = std::move(*c2s);
        s.server_to_client = std::move(*s2c);
        f.sessions.push_back(std::move(s));
    }
    if (auto st = validate(f); !st.ok()) return st.error();
    return f;
}

} // namespace vp::perf
