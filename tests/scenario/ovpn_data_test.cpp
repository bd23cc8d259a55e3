// The OpenVPN data channel through the real workers, on net_pcap ports, in-process: sessions and
// keys are published through the control plane's publish API (OvpnPublisher); the test plays the
// client with OpenSSL's EVP (an implementation independent of the ipsec-mb engine under test),
// writes its packets into the input pcaps, steps the workers, and checks what comes out of the
// other side — decrypting the appliance's packets with EVP again.
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

namespace vp {
namespace {

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
void fix_checksum(Bytes& ip_packet) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(ip_packet.data());
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

Bytes ipv4_udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const Bytes& payload,
               uint8_t ttl = 64) {
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

Bytes ethernet(const uint8_t* dst, const uint8_t* src, const Bytes& ip) {
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

Bytes random_bytes(size_t n) {
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

void write_pcap(const fs::path& path, const std::vector<Bytes>& frames) {
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

std::vector<Bytes> read_pcap(const fs::path& path) {
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

dp::OvpnPeer peer_for(const Client& c, dp::WorkerId owner = 0) {
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

void install(dp::OvpnPublisher& pub, const Client& c, dp::WorkerId owner = 0, uint16_t mtu = 1400) {
    dp::OvpnPeer peer = peer_for(c, owner);
    peer.mtu = mtu;
    ASSERT_TRUE(pub.add_peer(peer).ok());
    auto st = pub.add_key(c.peer_id, c.key_id, c.cipher, c.digest, c.key(c.c2s), c.key(c.s2c));
    ASSERT_TRUE(st.ok()) << st.message();
    pub.set_tx_key(c.peer_id, c.key_id);
}

uint64_t drops(ctl::Appliance& a, dp::DropReason r) {
    uint64_t n = 0;
    for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w)
        n += a.dataplane().worker(w).stats().drop(r).get();
    return n;
}
uint64_t counter(ctl::Appliance& a, dp::WorkerCounter c) {
    uint64_t n = 0;
    for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w)
        n += a.dataplane().worker(w).stats()[c].get();
    return n;
}

// Client -> LAN and LAN -> client for one cipher suite.
void round_trip(Cipher cipher, Digest digest, bool data_v2) {
    Client c(cipher, digest, 5);
    c.data_v2 = data_v2;
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(300, 0xab));
    Bytes down = ipv4_udp(host_ip, tunnel_ip, 6000, 5000, Bytes(700, 0xcd));
    ApplianceRun run;
    // Between the data packets, datagrams local delivery refuses (a fragment to the OpenVPN
    // port, another port): IPv4 input's runs of datagrams for the stage break around them.
    Bytes fragment = ipv4_udp(client_ip, wan_ip, client_port, server_port, Bytes(40, 0));
    fragment[6] = 0x20; // MF
    fix_checksum(fragment);
    run.in[0] = {{c.frame(up), ethernet(wan_mac, client_mac, fragment),
                  ethernet(wan_mac, client_mac,
                           ipv4_udp(client_ip, wan_ip, client_port, 9999, Bytes(40, 0))),
                  c.frame(ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(1, 1)))}};
    run.in[1] = {{ethernet(lan_mac, host_mac, down)}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher& pub) {
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_decrypted), 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_encrypted), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::ipv4_fragment_local), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::no_service), 1u);
        auto keys = pub.key_activity(c.peer_id);
        ASSERT_EQ(keys.size(), 1u);
        EXPECT_EQ(keys[0].rx_packets, 2u);
        EXPECT_EQ(keys[0].tx_packet_id, 1u);
    };
    run.execute();
    // Up: the inner packet leaves on the LAN, TTL decremented.
    ASSERT_EQ(run.out[1][0].size(), 2u);
    Bytes expected_up = up;
    expected_up[8] = 63;
    fix_checksum(expected_up);
    EXPECT_EQ(run.out[1][0][0], ethernet(host_mac, lan_mac, expected_up));
    // Down: a data packet to the client's endpoint that EVP opens to the inner packet.
    ASSERT_EQ(run.out[0][0].size(), 1u);
    const Bytes& f = run.out[0][0][0];
    ASSERT_GT(f.size(), 42u);
    EXPECT_EQ(0, std::memcmp(f.data(), client_mac, 6));
    EXPECT_EQ(f[23], 17);
    EXPECT_EQ(f[26 + 4] << 24 | f[27 + 4] << 16 | f[28 + 4] << 8 | f[29 + 4],
              static_cast<int>(client_ip));
    EXPECT_EQ(f[36] << 8 | f[37], client_port);
    EXPECT_EQ(f[34] << 8 | f[35], server_port);
    Bytes udp_payload(f.begin() + 42, f.end());
    if (data_v2) {
        EXPECT_EQ(udp_payload[0], dp::ovpn::op_data_v2 << 3);
        EXPECT_EQ(udp_payload[3], 5) << "our peer-id";
    } else {
        EXPECT_EQ(udp_payload[0], dp::ovpn::op_data_v1 << 3);
    }
    uint32_t pid = 0;
    auto plain = c.open(udp_payload, pid);
    ASSERT_TRUE(plain.has_value()) << "EVP could not open the appliance's packet";
    EXPECT_EQ(pid, 1u);
    Bytes expected_down = down;
    expected_down[8] = 63;
    fix_checksum(expected_down);
    EXPECT_EQ(*plain, expected_down);
}

TEST(OvpnData, Aes256GcmRoundTrip) {
    round_trip(Cipher::Aes256Gcm, Digest::None, true);
}
TEST(OvpnData, Aes128GcmRoundTrip) {
    round_trip(Cipher::Aes128Gcm, Digest::None, true);
}
TEST(OvpnData, ChaCha20Poly1305RoundTrip) {
    round_trip(Cipher::ChaCha20Poly1305, Digest::None, true);
}
TEST(OvpnData, Aes128CbcSha1RoundTrip) {
    round_trip(Cipher::Aes128Cbc, Digest::Sha1, true);
}
TEST(OvpnData, Aes256CbcSha256RoundTrip) {
    round_trip(Cipher::Aes256Cbc, Digest::Sha256, true);
}
TEST(OvpnData, DataV1RoundTrip) {
    round_trip(Cipher::Aes256Gcm, Digest::None, false);
}
TEST(OvpnData, DataV1CbcRoundTrip) {
    round_trip(Cipher::Aes128Cbc, Digest::Sha1, false);
}

// LAN -> client packets larger than the session's MTU: without DF, fragmented before
// encapsulation, each fragment its own data packet; with DF, ICMP fragmentation-needed back to
// the sender carrying the session's MTU. `mtu` keeps the encapsulated fragments within the WAN's
// 1500 bytes (larger ones would leave as outer fragments, as from any router).
void inner_fragments(Cipher cipher, Digest digest, uint16_t mtu) {
    Client c(cipher, digest, 6);
    Bytes big = ipv4_udp(host_ip, tunnel_ip, 6000, 5000, random_bytes(1472));
    Bytes big_df = ipv4_udp(host_ip, tunnel_ip, 6001, 5001, Bytes(1472, 0x5a));
    big_df[6] = 0x40; // DF
    fix_checksum(big_df);
    ApplianceRun run;
    run.in[1] = {{ethernet(lan_mac, host_mac, big), ethernet(lan_mac, host_mac, big_df)}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c, 0, mtu); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(counter(a, dp::WorkerCounter::fragments_sent), 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_encrypted), 2u);
        EXPECT_EQ(drops(a, dp::DropReason::mtu_exceeded), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::fragment_failed), 0u);
        EXPECT_EQ(drops(a, dp::DropReason::no_headroom), 0u);
    };
    run.execute();
    // Two data packets to the client; EVP opens them into fragments that reassemble `big`.
    ASSERT_EQ(run.out[0][0].size(), 2u);
    Bytes payload;
    uint32_t expected_pid = 1;
    for (const Bytes& f : run.out[0][0]) {
        ASSERT_GT(f.size(), 42u);
        uint32_t pid = 0;
        auto frag = c.open(Bytes(f.begin() + 42, f.end()), pid);
        ASSERT_TRUE(frag.has_value()) << "EVP could not open a fragment's data packet";
        EXPECT_EQ(pid, expected_pid++);
        ASSERT_GE(frag->size(), 20u);
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frag->data());
        EXPECT_LE(frag->size(), mtu);
        EXPECT_EQ(rte_be_to_cpu_16(ip->total_length), frag->size());
        EXPECT_EQ(ip->time_to_live, 63);
        EXPECT_EQ(rte_ipv4_cksum(ip), 0) << "fragment header checksum";
        uint16_t off = rte_be_to_cpu_16(ip->fragment_offset);
        bool more = off & RTE_IPV4_HDR_MF_FLAG;
        EXPECT_EQ(more, payload.empty()) << "MF on the first fragment only";
        EXPECT_EQ(static_cast<size_t>(off & RTE_IPV4_HDR_OFFSET_MASK) * 8, payload.size());
        payload.insert(payload.end(), frag->begin() + 20, frag->end());
    }
    EXPECT_EQ(payload, Bytes(big.begin() + 20, big.end())) << "the fragments reassemble";
    // The DF packet: ICMP frag-needed (type 3 code 4) with next-hop MTU 1400, back on the LAN.
    ASSERT_EQ(run.out[1][0].size(), 1u);
    const Bytes& icmp = run.out[1][0][0];
    ASSERT_GE(icmp.size(), 14u + 20 + 8 + 28);
    EXPECT_EQ(icmp[14 + 9], 1) << "ICMP";
    EXPECT_EQ(icmp[34], 3);
    EXPECT_EQ(icmp[35], 4);
    EXPECT_EQ(icmp[40] << 8 | icmp[41], mtu);
}

TEST(OvpnData, LanPacketsOverTheSessionMtuAreFragmentedBeforeEncapsulation) {
    inner_fragments(Cipher::Aes256Gcm, Digest::None, 1400);
}
TEST(OvpnData, FragmentsFitTheLongestCbcHmacHeaders) {
    inner_fragments(Cipher::Aes256Cbc, Digest::Sha512, 1360);
}

TEST(OvpnData, ReplaysForgeriesUnknownKeysAndSpoofedSourcesAreDropped) {
    Client c(Cipher::Aes256Gcm, Digest::None, 9);
    Bytes good = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(64, 7));
    Bytes first = c.frame_with_pid(good, 10);
    Bytes tampered = c.frame_with_pid(good, 11);
    tampered.back() ^= 1;
    Client wrong_key = c;
    wrong_key.key_id = 3;
    Bytes spoofed = c.frame_with_pid(ipv4_udp(0x0a080063, host_ip, 1, 2, Bytes(64, 7)), 12);
    Bytes site = c.frame_with_pid(ipv4_udp(0x0a630005, host_ip, 1, 2, Bytes(8, 1)), 13);
    Client unknown(Cipher::Aes256Gcm, Digest::None, 77);
    ApplianceRun run;
    run.in[0] = {
        {first, first, tampered, wrong_key.frame_with_pid(good, 14), spoofed, site,
         c.frame_with_pid(Bytes(dp::ovpn::ping_magic.begin(), dp::ovpn::ping_magic.end()), 15),
         unknown.frame(good), c.frame_with_pid(good, 2) /* old but inside the window */}};
    // CVE-2017-7479 (send packet-id wrap: ASSERT): 2 ids short of the wrap, one LAN packet
    // leaves with 0xffffffff, the two after it are dropped and counted.
    run.in[1] = {std::vector<Bytes>(
        3, ethernet(lan_mac, host_mac, ipv4_udp(host_ip, tunnel_ip, 2, 1, good)))};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) {
        install(pub, c);
        pub.find(c.peer_id)->slot_for_key(c.key_id)->tx_packet_id.store(0xfffffffe);
    };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_pid_exhausted), 2u);
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_replay), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_auth_failed), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_no_key), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::anti_spoof), 1u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_pings_rx), 1u);
        EXPECT_EQ(a.counters().punted_unhandled, 1u)
            << "the unknown peer-id went to the control plane";
    };
    run.execute();
    EXPECT_EQ(run.out[1][0].size(), 3u) << "first, the site-to-site source and the reordered one";
    ASSERT_EQ(run.out[0][0].size(), 1u);
    EXPECT_EQ(Bytes(run.out[0][0][0].begin() + 46, run.out[0][0][0].begin() + 50), Bytes(4, 0xff));
}

// Masquerade of what comes out of a session, through the burst path's connection tracking: 70
// packets of flow A (more than one receive burst), then two of a new flow B, then two more of A.
// A later burst starts with packets of A's connection (one bulk lookup) and meets B's first
// packet, a connection the table does not know yet: from there on each packet goes on alone, so
// that B's second packet finds the connection its first one created. Every packet leaves with
// the LAN address as its source, one port per flow, and exactly two connections exist.
TEST(OvpnData, MasqueradedClientFlowsKeepOneMappingAcrossBursts) {
    Client c(Cipher::Aes256Gcm, Digest::None, 12);
    Bytes flow_a = ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(40, 0xa1));
    Bytes flow_b = ipv4_udp(tunnel_ip, host_ip, 5001, 6000, Bytes(40, 0xb2));
    ApplianceRun run;
    run.extra_config = "firewall = { nat = ( { chain = \"srcnat\"; out_interface = \"lan0\"; "
                       "action = \"masquerade\"; } ); };\n";
    run.in[0] = {{}};
    for (int i = 0; i < 70; ++i)
        run.in[0][0].push_back(c.frame(flow_a));
    for (const Bytes* p : {&flow_b, &flow_b, &flow_a, &flow_a})
        run.in[0][0].push_back(c.frame(*p));
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(a.dataplane().conntrack()->stats().connections, 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::conntrack_created), 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::nat_translated), 74u);
        EXPECT_EQ(drops(a, dp::DropReason::nat_ports_exhausted), 0u);
    };
    run.execute();
    ASSERT_EQ(run.out[1][0].size(), 74u);
    uint16_t port_a = 0, port_b = 0;
    for (size_t i = 0; i < run.out[1][0].size(); ++i) {
        const Bytes& f = run.out[1][0][i];
        ASSERT_GE(f.size(), 14u + 28);
        const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(f.data() + 14);
        EXPECT_EQ(rte_be_to_cpu_32(ip->src_addr), 0x0a020001u) << "packet " << i;
        EXPECT_EQ(rte_ipv4_cksum(ip), 0) << "packet " << i;
        uint16_t sport = static_cast<uint16_t>(f[34] << 8 | f[35]);
        bool is_b = f[42] == 0xb2;
        uint16_t& port = is_b ? port_b : port_a;
        if (!port) port = sport;
        EXPECT_EQ(sport, port) << "packet " << i << " keeps its flow's mapping";
    }
    EXPECT_NE(port_a, 0);
    EXPECT_NE(port_b, 0);
    EXPECT_NE(port_a, port_b);
}

// The same through a port: prerouting looks the whole burst up first, so the second packet of
// a new flow finds its connection only in postrouting, after the first packet created it.
TEST(OvpnData, AForwardedFlowsSecondPacketInItsFirstBurstKeepsTheMapping) {
    Bytes flow = ipv4_udp(client_ip, host_ip, 5000, 6000, Bytes(40, 0xc3));
    ApplianceRun run;
    run.extra_config = "firewall = { nat = ( { chain = \"srcnat\"; out_interface = \"lan0\"; "
                       "action = \"masquerade\"; } ); };\n";
    run.in[0] = {{ethernet(wan_mac, client_mac, flow), ethernet(wan_mac, client_mac, flow)}};
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(a.dataplane().conntrack()->stats().connections, 1u);
        EXPECT_EQ(drops(a, dp::DropReason::nat_ports_exhausted), 0u);
    };
    run.execute();
    ASSERT_EQ(run.out[1][0].size(), 2u);
    for (const Bytes& f : run.out[1][0]) {
        ASSERT_GE(f.size(), 14u + 28);
        const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(f.data() + 14);
        EXPECT_EQ(rte_be_to_cpu_32(ip->src_addr), lan_ip);
        EXPECT_EQ(0, std::memcmp(f.data() + 26, run.out[1][0][0].data() + 26, 12)); // addr+ports
    }
}

// A session's rate_limit in the workers: at 8 kbit/s each way the bucket is 100 bytes plus
// kQueueBytes (75 100 bytes: 73 packets of 1028 bytes) and refills a packet a second, so of 100
// packets sent at once in each direction 73 pass (a few more if the run took seconds) and the
// rest are dropped and counted, per session and as session_rate_limited.
TEST(OvpnData, TheSessionsRateLimitDropsAndCountsWhatExceedsItInBothDirections) {
    Client c(Cipher::Aes256Gcm, Digest::None, 6);
    std::vector<Bytes> up, down;
    for (int i = 0; i < 100; ++i) {
        up.push_back(c.frame(ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(1000, 1))));
        down.push_back(
            ethernet(lan_mac, host_mac, ipv4_udp(host_ip, tunnel_ip, 6000, 5000, Bytes(1000, 2))));
    }
    ApplianceRun run;
    run.in[0] = {up};
    run.in[1] = {down};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) {
        dp::OvpnPeer peer = peer_for(c);
        peer.rate_limit = dp::SessionRateLimit{{8000, 0, 0, 0}, {8000, 0, 0, 0}};
        ASSERT_TRUE(pub.add_peer(peer).ok());
        ASSERT_TRUE(
            pub.add_key(c.peer_id, c.key_id, c.cipher, c.digest, c.key(c.c2s), c.key(c.s2c)).ok());
        pub.set_tx_key(c.peer_id, c.key_id);
    };
    uint64_t rx_dropped = 0, tx_dropped = 0;
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher& pub) {
        dp::OvpnSession* s = pub.find(c.peer_id);
        ASSERT_TRUE(s && s->meter);
        rx_dropped = s->meter->rx_dropped.get();
        tx_dropped = s->meter->tx_dropped.get();
        EXPECT_EQ(drops(a, dp::DropReason::session_rate_limited), rx_dropped + tx_dropped);
    };
    run.execute();
    EXPECT_GE(run.out[1][0].size(), 73u);
    EXPECT_LE(run.out[1][0].size(), 76u);
    EXPECT_EQ(run.out[1][0].size() + rx_dropped, 100u);
    EXPECT_GE(run.out[0][0].size(), 73u);
    EXPECT_LE(run.out[0][0].size(), 76u);
    EXPECT_EQ(run.out[0][0].size() + tx_dropped, 100u);
}

TEST(OvpnData, ClientsPingTheServerTunnelAddressAndTheLanReachesThemByProxyArp) {
    Client c(Cipher::Aes256Gcm, Digest::None, 4);
    Bytes echo(36, 0);
    echo[0] = 0x45;
    store_be16(echo.data() + 2, 36);
    echo[8] = 64;
    echo[9] = 1;
    store_be32(echo.data() + 12, tunnel_ip);
    store_be32(echo.data() + 16, tunnel_local);
    reinterpret_cast<rte_ipv4_hdr*>(echo.data())->hdr_checksum =
        rte_ipv4_cksum(reinterpret_cast<rte_ipv4_hdr*>(echo.data()));
    echo[20] = 8; // echo request
    uint16_t sum = static_cast<uint16_t>(~rte_raw_cksum(echo.data() + 20, 16));
    std::memcpy(echo.data() + 22, &sum, 2);
    Bytes arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 2,  2, 0x08, 0x06,
                 0,    1,    0x08, 0,    6,    4,    0, 1, 2, 0, 0,  0, 2,    2,
                 10,   2,    0,    2,    0,    0,    0, 0, 0, 0, 10, 8, 0,    2};
    ApplianceRun run;
    run.in[0] = {{c.frame(echo)}};
    run.in[1] = {{arp}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c); };
    run.execute();
    ASSERT_EQ(run.out[0][0].size(), 1u);
    uint32_t pid;
    auto reply = c.open(Bytes(run.out[0][0][0].begin() + 42, run.out[0][0][0].end()), pid);
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)[20], 0) << "an echo reply";
    EXPECT_EQ(reply->at(12) << 24 | reply->at(13) << 16 | reply->at(14) << 8 | reply->at(15),
              static_cast<int>(tunnel_local));
    ASSERT_EQ(run.out[1][0].size(), 1u) << "proxy-ARP reply for the client's tunnel address";
    EXPECT_EQ(run.out[1][0][0][21], 2);
    EXPECT_EQ(0, std::memcmp(run.out[1][0][0].data() + 22, lan_mac, 6));
}

TEST(OvpnData, PacketsOnAnotherWorkersQueueAreHandedToTheOwner) {
    Client c(Cipher::Aes256Gcm, Digest::None, 6);
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(100, 3));
    Bytes down = ipv4_udp(host_ip, tunnel_ip, 2, 1, Bytes(100, 4));
    ApplianceRun run;
    run.workers = 2;
    run.in[0] = {{c.frame(up)}, {}};                       // arrives on worker 0's queue
    run.in[1] = {{ethernet(lan_mac, host_mac, down)}, {}}; // so does the LAN packet
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c, /*owner=*/1); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(a.dataplane().worker(0).stats()[dp::WorkerCounter::handed_off].get(), 2u);
        EXPECT_EQ(a.dataplane().worker(1).stats()[dp::WorkerCounter::ovpn_decrypted].get(), 1u);
        EXPECT_EQ(a.dataplane().worker(1).stats()[dp::WorkerCounter::ovpn_encrypted].get(), 1u);
    };
    run.execute();
    EXPECT_EQ(run.out[1][1].size(), 1u) << "the owner (worker 1) forwarded the inner packet";
    ASSERT_EQ(run.out[0][1].size(), 1u) << "the owner encrypted towards the client";
    uint32_t pid;
    EXPECT_TRUE(c.open(Bytes(run.out[0][1][0].begin() + 42, run.out[0][1][0].end()), pid));
    EXPECT_TRUE(run.out[0][0].empty() && run.out[1][0].empty());
}

TEST(OvpnData, KeyRolloverKeepsBothKeysUntilTheOldOneIsRemoved) {
    Client old_key(Cipher::Aes256Gcm, Digest::None, 8);
    Client new_key(Cipher::Aes256Gcm, Digest::None, 8);
    new_key.key_id = 1;
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(10, 1));
    ApplianceRun run;
    run.in[0] = {{old_key.frame(up), new_key.frame(up), old_key.frame(up)}};
    run.in[1] = {{ethernet(lan_mac, host_mac, ipv4_udp(host_ip, tunnel_ip, 2, 1, Bytes(10, 2)))}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) {
        install(pub, old_key);
        ASSERT_TRUE(pub.add_key(8, 1, new_key.cipher, new_key.digest, new_key.key(new_key.c2s),
                                new_key.key(new_key.s2c))
                        .ok());
        pub.set_tx_key(8, 1);
        EXPECT_FALSE(pub.add_key(8, 2, new_key.cipher, new_key.digest, new_key.key(new_key.c2s),
                                 new_key.key(new_key.s2c))
                         .ok())
            << "two live keys at most";
    };
    run.execute();
    EXPECT_EQ(run.out[1][0].size(), 3u) << "both key ids decrypt";
    ASSERT_EQ(run.out[0][0].size(), 1u);
    EXPECT_EQ(run.out[0][0][0][42] & 7, 1) << "sent with the new key";
    uint32_t pid;
    EXPECT_TRUE(new_key.open(Bytes(run.out[0][0][0].begin() + 42, run.out[0][0][0].end()), pid));
}

// SSTP's first stage on the workers (the control plane opens and seals the records): a packet the
// control plane injects as SessionInput is counted on its session, anti-spoofed and forwarded;
// a LAN packet routed into the session is counted and punted (SstpEvent::Outbound) by the
// owner; injections for an unknown session or with a foreign source are counted drops.
TEST(SstpFirstStage, InjectedInputIsForwardedAndOutputIsPuntedToTheControlPlane) {
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(50, 1));
    Bytes spoofed = ipv4_udp(0x0a020063, host_ip, 1, 2, Bytes(50, 2));
    Bytes down = ipv4_udp(host_ip, tunnel_ip, 2, 1, Bytes(60, 3));
    std::unique_ptr<dp::SessionPublisher> sstp;
    constexpr dp::SessionId id = 77;
    auto inject = [](ctl::Appliance& a, dp::SessionId session, const Bytes& ip) {
        rte_mbuf* m = rte_pktmbuf_alloc(a.dataplane().pool());
        ASSERT_NE(m, nullptr);
        auto* p = rte_pktmbuf_append(m, static_cast<uint16_t>(14 + ip.size()));
        std::memcpy(p + 14, ip.data(), ip.size());
        EXPECT_TRUE(
            a.dataplane().inject({m, dp::InjectAction::SessionInput, 0, {.session = session}}, 0));
    };
    ApplianceRun run;
    run.in[1] = {{ethernet(lan_mac, host_mac, down)}};
    run.setup = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        sstp = std::make_unique<dp::SessionPublisher>(a.dataplane());
        dp::SessionSpec spec;
        spec.tunnel_ip_be = rte_cpu_to_be_32(tunnel_ip);
        spec.tunnel_local_ip_be = rte_cpu_to_be_32(tunnel_local);
        ASSERT_TRUE(sstp->publish(std::make_unique<dp::SstpSession>(id, 0, 0x1234), spec).ok());
        inject(a, id, up);
        inject(a, id, spoofed);
        inject(a, id + 1, up);
    };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        dp::Session* s = sstp->find(id);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->kind, dp::SessionKind::Sstp);
        EXPECT_EQ(s->counters.rx_packets.get(), 2u) << "both injected into the session";
        EXPECT_EQ(s->counters.rx_bytes.get(), up.size() + spoofed.size());
        EXPECT_EQ(s->counters.rx_dropped.get(), 1u) << "the spoofed source";
        EXPECT_EQ(s->counters.tx_packets.get(), 1u);
        EXPECT_EQ(s->counters.tx_bytes.get(), down.size());
        EXPECT_EQ(counter(a, dp::WorkerCounter::sstp_punted_out), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::anti_spoof), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::session_gone), 1u) << "the unknown session";
        sstp.reset(); // before the appliance goes
    };
    run.execute();
    ASSERT_EQ(run.out[1][0].size(), 1u) << "the injected packet, forwarded to the LAN host";
    EXPECT_EQ(Bytes(run.out[1][0][0].begin() + 14, run.out[1][0][0].begin() + 20),
              Bytes(up.begin(), up.begin() + 6));
    EXPECT_TRUE(run.out[0][0].empty()) << "the outbound packet went to the control plane";
}

} // namespace
} // namespace vp
