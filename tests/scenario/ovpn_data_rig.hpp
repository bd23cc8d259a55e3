// The rig of the scenario tests that run the real workers on net_pcap ports in-process
// (ovpn_data_test.cpp, sstp_first_stage_test.cpp): packet building, an OpenVPN client played
// with OpenSSL's EVP (independent of the ipsec-mb engine under test), pcap files, and ApplianceRun
// (steps an appliance over input pcaps and collects its output). Included by exactly one
// source file of each test executable.
#pragma once

#include "base/bytes.hpp"
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "dataplane/ovpn/publish.hpp"
#include "dataplane/ovpn/wire.hpp"
#include "dataplane/session/publish.hpp"
#include "dataplane/sstp/sstp_session.hpp"
#include "dataplane/worker/worker.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pcap/pcap.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vp::scenario_rig {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using crypto::Cipher;
using crypto::Digest;

constexpr uint8_t wan_mac[6] = {2, 0, 0, 0, 1, 1}, client_mac[6] = {2, 0, 0, 0, 1, 2};
constexpr uint8_t lan_mac[6] = {2, 0, 0, 0, 2, 1}, host_mac[6] = {2, 0, 0, 0, 2, 2};
constexpr uint32_t wan_ip = 0x0a010001, client_ip = 0x0a010002, lan_ip = 0x0a020001,
                   host_ip = 0x0a020002, tunnel_ip = 0x0a080002, tunnel_local = 0x0a080001;
constexpr uint16_t client_port = 40000, server_port = 1194;

// ---- packet building (host-order arguments) ----

// Recomputes the IPv4 header checksum (after building or changing a header).
inline void fix_checksum(Bytes& ip_packet) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(ip_packet.data());
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

inline Bytes ipv4_udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                      const Bytes& payload, uint8_t ttl = 64) {
    Bytes p(28 + payload.size(), 0);
    p[0] = 0x45;
    store_be16(p.data() + 2, static_cast<uint16_t>(p.size()));
    store_be16(p.data() + 4, 0x1234);
    p[8] = ttl;
    p[9] = 17;
    store_be32(p.data() + 12, src);
    store_be32(p.data() + 16, dst);
    fix_checksum(p);
    store_be16(p.data() + 20, sport);
    store_be16(p.data() + 22, dport);
    store_be16(p.data() + 24, static_cast<uint16_t>(8 + payload.size()));
    std::memcpy(p.data() + 28, payload.data(), payload.size());
    return p;
}

inline Bytes ethernet(const uint8_t* dst, const uint8_t* src, const Bytes& ip) {
    Bytes f(14 + ip.size());
    std::memcpy(f.data(), dst, 6);
    std::memcpy(f.data() + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    std::memcpy(f.data() + 14, ip.data(), ip.size());
    return f;
}

// ---- the client side of the data channel, with EVP ----

struct DirKeys {
    Bytes cipher_key, hmac_key, implicit_iv;
};

inline Bytes random_bytes(size_t n) {
    Bytes b(n);
    RAND_bytes(b.data(), static_cast<int>(n));
    return b;
}

struct Client {
    Cipher cipher;
    Digest digest;
    uint32_t peer_id;
    uint8_t key_id = 0;
    bool data_v2 = true;
    DirKeys c2s, s2c;
    uint32_t next_pid = 1;

    Client(Cipher c, Digest d, uint32_t peer) : cipher(c), digest(d), peer_id(peer) {
        for (DirKeys* k : {&c2s, &s2c}) {
            k->cipher_key = random_bytes(crypto::key_bytes(c));
            if (crypto::is_aead(c))
                k->implicit_iv = random_bytes(8);
            else if (d != Digest::None)
                k->hmac_key = random_bytes(crypto::digest_bytes(d));
        }
    }

    dp::OvpnDirectionKey key(const DirKeys& k) const {
        return {k.cipher_key, k.hmac_key, k.implicit_iv};
    }

    // The UDP payload of a data packet carrying `plain`.
    Bytes seal(const Bytes& plain, uint32_t pid) const {
        Bytes out;
        if (data_v2)
            out = {static_cast<uint8_t>(dp::ovpn::op_data_v2 << 3 | key_id),
                   static_cast<uint8_t>(peer_id >> 16), static_cast<uint8_t>(peer_id >> 8),
                   static_cast<uint8_t>(peer_id)};
        else
            out = {static_cast<uint8_t>(dp::ovpn::op_data_v1 << 3 | key_id)};
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        int len = 0;
        if (crypto::is_aead(cipher)) {
            size_t pid_at = out.size();
            out.resize(out.size() + 4);
            store_be32(out.data() + pid_at, pid);
            Bytes nonce(out.begin() + static_cast<long>(pid_at), out.end());
            nonce.insert(nonce.end(), c2s.implicit_iv.begin(), c2s.implicit_iv.end());
            Bytes aad = data_v2 ? out : Bytes(out.begin() + 1, out.end());
            EVP_EncryptInit_ex(ctx, evp_cipher(cipher), nullptr, nullptr, nullptr);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr);
            EVP_EncryptInit_ex(ctx, nullptr, nullptr, c2s.cipher_key.data(), nonce.data());
            EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
            Bytes ct(plain.size() + 16);
            EVP_EncryptUpdate(ctx, ct.data(), &len, plain.data(), static_cast<int>(plain.size()));
            int total = len;
            EVP_EncryptFinal_ex(ctx, ct.data() + total, &len);
            total += len;
            uint8_t tag[16];
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag);
            out.insert(out.end(), tag, tag + 16);
            out.insert(out.end(), ct.begin(), ct.begin() + total);
        } else {
            Bytes body(4);
            store_be32(body.data() + 0, pid);
            body.insert(body.end(), plain.begin(), plain.end());
            Bytes iv = random_bytes(16);
            EVP_EncryptInit_ex(ctx, evp_cipher(cipher), nullptr, c2s.cipher_key.data(), iv.data());
            Bytes ct(body.size() + 16);
            EVP_EncryptUpdate(ctx, ct.data(), &len, body.data(), static_cast<int>(body.size()));
            int total = len;
            EVP_EncryptFinal_ex(ctx, ct.data() + total, &len);
            ct.resize(static_cast<size_t>(total + len));
            Bytes mac_input = iv;
            mac_input.insert(mac_input.end(), ct.begin(), ct.end());
            unsigned mac_len = 0;
            uint8_t mac[64];
            HMAC(EVP_get_digestbyname(crypto::openssl_name(digest)), c2s.hmac_key.data(),
                 static_cast<int>(c2s.hmac_key.size()), mac_input.data(), mac_input.size(), mac,
                 &mac_len);
            out.insert(out.end(), mac, mac + mac_len);
            out.insert(out.end(), mac_input.begin(), mac_input.end());
        }
        EVP_CIPHER_CTX_free(ctx);
        return out;
    }

    Bytes frame(const Bytes& plain) { return frame_with_pid(plain, next_pid++); }
    Bytes frame_with_pid(const Bytes& plain, uint32_t pid) const {
        return ethernet(wan_mac, client_mac,
                        ipv4_udp(client_ip, wan_ip, client_port, server_port, seal(plain, pid)));
    }

    // Opens a server->client UDP payload; empty on failure. `pid` receives the packet-id.
    std::optional<Bytes> open(const Bytes& payload, uint32_t& pid) const {
        size_t hdr = data_v2 ? 4 : 1;
        if (payload.size() < hdr) return std::nullopt;
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        std::optional<Bytes> result;
        int len = 0;
        if (crypto::is_aead(cipher)) {
            if (payload.size() < hdr + 20) return std::nullopt;
            pid = static_cast<uint32_t>(payload[hdr] << 24 | payload[hdr + 1] << 16 |
                                        payload[hdr + 2] << 8 | payload[hdr + 3]);
            Bytes nonce(payload.begin() + static_cast<long>(hdr),
                        payload.begin() + static_cast<long>(hdr + 4));
            nonce.insert(nonce.end(), s2c.implicit_iv.begin(), s2c.implicit_iv.end());
            Bytes aad = data_v2 ? Bytes(payload.begin(), payload.begin() + 8)
                                : Bytes(payload.begin() + 1, payload.begin() + 5);
            Bytes tag(payload.begin() + static_cast<long>(hdr + 4),
                      payload.begin() + static_cast<long>(hdr + 20));
            Bytes ct(payload.begin() + static_cast<long>(hdr + 20), payload.end());
            EVP_DecryptInit_ex(ctx, evp_cipher(cipher), nullptr, nullptr, nullptr);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr);
            EVP_DecryptInit_ex(ctx, nullptr, nullptr, s2c.cipher_key.data(), nonce.data());
            EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
            Bytes pt(ct.size() + 16);
            EVP_DecryptUpdate(ctx, pt.data(), &len, ct.data(), static_cast<int>(ct.size()));
            int total = len;
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag.data());
            if (EVP_DecryptFinal_ex(ctx, pt.data() + total, &len) == 1) {
                pt.resize(static_cast<size_t>(total + len));
                result = pt;
            }
        } else {
            size_t mac_len = crypto::digest_bytes(digest);
            Bytes mac(payload.begin() + static_cast<long>(hdr),
                      payload.begin() + static_cast<long>(hdr + mac_len));
            Bytes rest(payload.begin() + static_cast<long>(hdr + mac_len), payload.end());
            uint8_t expect[64];
            unsigned expect_len = 0;
            HMAC(EVP_get_digestbyname(crypto::openssl_name(digest)), s2c.hmac_key.data(),
                 static_cast<int>(s2c.hmac_key.size()), rest.data(), rest.size(), expect,
                 &expect_len);
            if (expect_len == mac_len && std::memcmp(expect, mac.data(), mac_len) == 0) {
                EVP_DecryptInit_ex(ctx, evp_cipher(cipher), nullptr, s2c.cipher_key.data(),
                                   rest.data());
                Bytes pt(rest.size());
                EVP_DecryptUpdate(ctx, pt.data(), &len, rest.data() + 16,
                                  static_cast<int>(rest.size() - 16));
                int total = len;
                if (EVP_DecryptFinal_ex(ctx, pt.data() + total, &len) == 1) {
                    pt.resize(static_cast<size_t>(total + len));
                    pid = static_cast<uint32_t>(pt[0] << 24 | pt[1] << 16 | pt[2] << 8 | pt[3]);
                    result = Bytes(pt.begin() + 4, pt.end());
                }
            }
        }
        EVP_CIPHER_CTX_free(ctx);
        return result;
    }
};

// ---- pcap plumbing ----

inline void write_pcap(const fs::path& path, const std::vector<Bytes>& frames) {
    pcap_t* p = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
    for (auto& f : frames) {
        pcap_pkthdr h{};
        h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
    }
    pcap_dump_close(d);
    pcap_close(p);
}

inline std::vector<Bytes> read_pcap(const fs::path& path) {
    std::vector<Bytes> frames;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (!p) return frames;
    pcap_pkthdr* h;
    const u_char* d;
    while (pcap_next_ex(p, &h, &d) == 1)
        frames.emplace_back(d, d + h->caplen);
    pcap_close(p);
    return frames;
}

// One run of the appliance: `workers` workers, each port with one queue (pcap file) per
// worker. in[port][queue] are the frames arriving; out[port][queue] what left.
struct ApplianceRun {
    std::vector<std::vector<std::vector<Bytes>>> in{2}, out{2};
    int workers = 1;
    std::string extra_config; // appended to the configuration (e.g. a firewall section)
    std::function<void(ctl::Appliance&, dp::OvpnPublisher&)> setup;
    std::function<void(ctl::Appliance&, dp::OvpnPublisher&)> check;

    void execute() {
        fs::path dir = fs::temp_directory_path() / ("vpnplane-ovpn-" + std::to_string(getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::string ports[2];
        const char* names[2] = {"wan0", "lan0"};
        for (int p = 0; p < 2; ++p) {
            in[p].resize(static_cast<size_t>(workers));
            std::string dev = "net_pcap" + std::to_string(p);
            for (int q = 0; q < workers; ++q) {
                fs::path rx = dir / (std::string(names[p]) + ".in" + std::to_string(q) + ".pcap");
                write_pcap(rx, in[p][static_cast<size_t>(q)]);
                dev +=
                    ",rx_pcap=" + rx.string() + ",tx_pcap=" +
                    (dir / (std::string(names[p]) + ".out" + std::to_string(q) + ".pcap")).string();
            }
            ports[p] = dev;
        }
        std::string config = "dpdk = { lcores = \"0-" + std::to_string(workers) +
                             "\"; no_huge = true; };\n"
                             "interfaces = (\n"
                             "  { name = \"wan0\"; device = \"" +
                             ports[0] +
                             "\"; role = \"wan\"; "
                             "address = \"10.1.0.1/24\"; mac_address = \"02:00:00:00:01:01\"; },\n"
                             "  { name = \"lan0\"; device = \"" +
                             ports[1] +
                             "\"; role = \"lan\"; "
                             "address = \"10.2.0.1/24\"; mac_address = \"02:00:00:00:02:01\"; arp "
                             "= \"proxy-arp\"; }\n"
                             ");\n"
                             "ip = { arp = ( { address = \"10.1.0.2\"; mac_address = "
                             "\"02:00:00:00:01:02\"; interface = \"wan0\"; },\n"
                             "               { address = \"10.2.0.2\"; mac_address = "
                             "\"02:00:00:00:02:02\"; interface = \"lan0\"; } ); };\n" +
                             extra_config;
        auto cfg = config::load_config_text(config);
        ASSERT_TRUE(cfg.ok()) << cfg.message();
        {
            auto appliance = ctl::Appliance::create(*cfg);
            ASSERT_TRUE(appliance.ok()) << appliance.message();
            ctl::Appliance& a = **appliance;
            dp::WorkerPolicy policy = *a.dataplane().policy();
            policy.ovpn_udp_port = server_port;
            a.dataplane().set_policy(policy);
            dp::OvpnPublisher publisher(a.dataplane());
            if (setup) setup(a, publisher);
            int quiet = 0;
            for (int i = 0; i < 100000 && quiet < 200; ++i) {
                uint32_t work = a.poll();
                for (int w = 0; w < workers; ++w)
                    work += a.dataplane().worker(static_cast<dp::WorkerId>(w)).poll_once();
                quiet = work ? 0 : quiet + 1;
            }
            if (check) check(a, publisher);
        }
        for (int p = 0; p < 2; ++p) {
            out[p].clear();
            for (int q = 0; q < workers; ++q)
                out[p].push_back(read_pcap(
                    dir / (std::string(names[p]) + ".out" + std::to_string(q) + ".pcap")));
        }
        fs::remove_all(dir);
    }
};

inline dp::OvpnPeer peer_for(const Client& c, dp::WorkerId owner = 0) {
    dp::OvpnPeer p;
    p.id = c.peer_id;
    p.owner = owner;
    p.wan_port = 0;
    p.local_ip_be = rte_cpu_to_be_32(wan_ip);
    p.local_port_be = rte_cpu_to_be_16(server_port);
    p.client_ip_be = rte_cpu_to_be_32(client_ip);
    p.client_port_be = rte_cpu_to_be_16(client_port);
    p.data_v2 = c.data_v2;
    p.tunnel_ip_be = rte_cpu_to_be_32(tunnel_ip);
    p.tunnel_local_ip_be = rte_cpu_to_be_32(tunnel_local);
    p.mtu = 1400;
    p.routes.push_back({0x0a630000, 16}); // 10.99.0.0/16 behind the client (site-to-site)
    return p;
}

inline void install(dp::OvpnPublisher& pub, const Client& c, dp::WorkerId owner = 0,
                    uint16_t mtu = 1400) {
    dp::OvpnPeer peer = peer_for(c, owner);
    peer.mtu = mtu;
    ASSERT_TRUE(pub.add_peer(peer).ok());
    auto st = pub.add_key(c.peer_id, c.key_id, c.cipher, c.digest, c.key(c.c2s), c.key(c.s2c));
    ASSERT_TRUE(st.ok()) << st.message();
    pub.set_tx_key(c.peer_id, c.key_id);
}

inline uint64_t drops(ctl::Appliance& a, dp::DropReason r) {
    uint64_t n = 0;
    for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w)
        n += a.dataplane().worker(w).stats().drop(r).get();
    return n;
}
inline uint64_t counter(ctl::Appliance& a, dp::WorkerCounter c) {
    uint64_t n = 0;
    for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w)
        n += a.dataplane().worker(w).stats()[c].get();
    return n;
}

} // namespace vp::scenario_rig
