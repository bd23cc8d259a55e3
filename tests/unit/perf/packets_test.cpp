// The frames vpnperf builds, checked independently of ipsec-mb: every decap frame decrypts with
// OpenSSL EVP (tests/unit/crypto's reference implementation of OpenVPN's data channel) to the
// inner packet vpnperf meant, with correct headers and checksums; and vpnperf's own receive-side
// helpers (parsing, opening, probes, ARP, size tables) agree with what was built.
#include "../crypto/test_util.hpp"
#include "base/bytes.hpp"
#include "perf/vpnperf/arp.hpp"
#include "perf/vpnperf/frame_factory.hpp"
#include "perf/vpnperf/gen_sessions.hpp"
#include "perf/vpnperf/wire_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace vp::perf {
namespace {

constexpr net::Ipv4 kLanHost = 0x0a020002;

// Internet checksum over `n` bytes plus a partial sum: 0xffff when the stored checksum is right.
uint16_t verify_sum(const uint8_t* p, size_t n, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (n % 2) sum += static_cast<uint32_t>(p[n - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

void expect_ipv4_udp_valid(const uint8_t* ip, size_t ip_bytes) {
    ASSERT_GE(ip_bytes, 28u);
    EXPECT_EQ(ip[0], 0x45);
    EXPECT_EQ(load_be16(ip + 2), ip_bytes);
    EXPECT_EQ(verify_sum(ip, 20), 0xffff) << "IPv4 header checksum";
    const uint8_t* udp = ip + 20;
    EXPECT_EQ(load_be16(udp + 4), ip_bytes - 20);
    uint32_t pseudo = verify_sum(ip + 12, 8) + 17 + static_cast<uint32_t>(ip_bytes - 20);
    EXPECT_EQ(verify_sum(udp, ip_bytes - 20, pseudo), 0xffff) << "UDP checksum";
}

SessionFile make_file(crypto::Cipher cipher, size_t count) {
    GenSessionsOptions o;
    o.count = count;
    o.cipher = cipher;
    o.server = {0x0a010001, 1194};
    o.client_net = *net::parse_prefix("10.1.0.0/24");
    o.tunnel_net = *net::parse_prefix("10.8.0.0/16");
    o.first_peer_id = 7;
    o.key_id = 3;
    auto f = generate_sessions(o);
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.message());
    return *f;
}

crypto::test::RefKey ref_key(const SessionFile& f, const DirectionKeys& k) {
    crypto::test::RefKey r;
    r.cipher = f.cipher;
    r.digest = f.auth;
    r.cipher_key = k.cipher_key;
    r.hmac_key = k.hmac_key;
    r.implicit_iv = k.implicit_iv;
    return r;
}

struct Suite {
    crypto::Cipher cipher;
    const char* name;
};

class DecapFrames : public ::testing::TestWithParam<Suite> {};

TEST_P(DecapFrames, DecryptWithOpenSslToTheIntendedInnerPacket) {
    const SessionFile file = make_file(GetParam().cipher, 5);
    auto model = TrafficModel::create(file, kLanHost);
    ASSERT_TRUE(model.ok()) << model.message();
    auto engine = crypto::CryptoEngine::create();
    ASSERT_TRUE(engine.ok()) << engine.message();
    const L2Addresses l2{{2, 0, 0, 0, 0, 0xaa}, {2, 0, 0, 0, 0, 0xbb}};

    // Two whole IMIX cycles per session, plus probes.
    const SizeMix mix = SizeMix::classic_imix();
    const size_t n = model->sessions() * 24;
    std::vector<FrameSpec> specs;
    std::vector<ProbeStamp> stamps(3);
    for (size_t j = 0; j < n; ++j)
        specs.push_back(replay_frame_spec(*model, mix, j));
    const uint32_t probe_bytes = choose_probe_bytes(mix, model->c2s(0));
    for (uint32_t i = 0; i < stamps.size(); ++i) {
        stamps[i] = {0x1122334455667788ull + i, 40 + i, i};
        specs.push_back({i, 0x80000000u + i, probe_bytes, &stamps[i]});
    }
    std::vector<std::vector<uint8_t>> buffers(specs.size(), std::vector<uint8_t>(2048));
    std::vector<uint8_t*> frames;
    for (auto& b : buffers)
        frames.push_back(b.data());
    std::vector<uint32_t> lengths(specs.size());
    build_decap_frames(*model, l2, specs, frames, lengths, **engine);

    std::set<std::pair<uint32_t, uint32_t>> session_packet_ids;
    for (size_t j = 0; j < specs.size(); ++j) {
        SCOPED_TRACE("frame " + std::to_string(j));
        const FrameSpec& spec = specs[j];
        const PerfSession& s = model->session(spec.session);
        ASSERT_GT(lengths[j], 0u);
        ASSERT_EQ(lengths[j], data_v2_frame_bytes(model->c2s(spec.session), spec.inner_bytes));
        const uint8_t* f = frames[j];
        EXPECT_TRUE(std::equal(l2.dst.begin(), l2.dst.end(), f));
        EXPECT_TRUE(std::equal(l2.src.begin(), l2.src.end(), f + 6));
        EXPECT_EQ(load_be16(f + 12), 0x0800);
        expect_ipv4_udp_valid(f + 14, lengths[j] - 14);

        // Outer addressing: client endpoint -> server.
        UdpFrame outer;
        ASSERT_TRUE(parse_udp_frame(frames[j], lengths[j], outer));
        EXPECT_EQ(outer.flow.src, s.client.address);
        EXPECT_EQ(outer.flow.src_port, s.client.port);
        EXPECT_EQ(outer.flow.dst, file.server.address);
        EXPECT_EQ(outer.flow.dst_port, file.server.port);
        EXPECT_EQ(outer.payload[0], 9 << 3 | 3); // P_DATA_V2, key-id 3
        uint8_t key_id = 0;
        uint32_t peer_id = 0;
        ASSERT_TRUE(read_data_v2_header(outer.payload, outer.payload_bytes, key_id, peer_id));
        EXPECT_EQ(peer_id, s.peer_id);

        // OpenSSL opens it with the session's client-to-server key.
        auto opened = crypto::test::evp_open_packet(ref_key(file, s.client_to_server),
                                                    ByteSpan(outer.payload, outer.payload_bytes));
        ASSERT_TRUE(opened.has_value()) << "EVP could not open the packet";
        EXPECT_EQ(opened->packet_id, spec.packet_id);
        session_packet_ids.insert({spec.session, spec.packet_id});
        ASSERT_EQ(opened->payload.size(), spec.inner_bytes);
        expect_ipv4_udp_valid(opened->payload.data(), opened->payload.size());
        UdpFrame inner;
        ASSERT_TRUE(parse_udp_packet(opened->payload.data(),
                                     static_cast<uint32_t>(opened->payload.size()), inner));
        EXPECT_EQ(inner.flow.src, s.tunnel_address);
        EXPECT_EQ(inner.flow.dst, kLanHost);
        ProbeStamp stamp;
        EXPECT_EQ(read_probe(inner.payload, inner.payload_bytes, stamp), spec.probe != nullptr);
        if (spec.probe != nullptr) {
            EXPECT_EQ(stamp.tsc, spec.probe->tsc);
            EXPECT_EQ(stamp.seq, spec.probe->seq);
        }

        // vpnperf's own receive path opens it too and maps its length back to the inner size.
        std::vector<uint8_t> copy(outer.payload, outer.payload + outer.payload_bytes);
        crypto::DataOp op;
        ASSERT_TRUE(prepare_open(copy.data(), static_cast<uint32_t>(copy.size()),
                                 model->c2s(spec.session), op));
        (*engine)->process(std::span(&op, 1));
        uint8_t* ip = nullptr;
        uint32_t ip_bytes = 0;
        ASSERT_TRUE(opened_inner(op, ip, ip_bytes));
        EXPECT_TRUE(std::equal(ip, ip + ip_bytes, opened->payload.begin()));
        InnerSizeTable sizes(model->c2s(0), mix, probe_bytes);
        EXPECT_EQ(sizes.inner_bytes(outer.payload_bytes), spec.inner_bytes);
    }
    EXPECT_EQ(session_packet_ids.size(), specs.size()) << "packet-ids repeat within a session";
}

INSTANTIATE_TEST_SUITE_P(Ciphers, DecapFrames,
                         ::testing::Values(Suite{crypto::Cipher::Aes256Gcm, "AES256GCM"},
                                           Suite{crypto::Cipher::Aes128Gcm, "AES128GCM"},
                                           Suite{crypto::Cipher::ChaCha20Poly1305, "CHACHA20"},
                                           Suite{crypto::Cipher::Aes256Cbc, "AES256CBC_SHA256"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(DecapFrames, CbcFilesUseSha256ByDefault) {
    const SessionFile file = make_file(crypto::Cipher::Aes256Cbc, 1);
    EXPECT_EQ(file.auth, crypto::Digest::Sha256);
    EXPECT_EQ(file.sessions[0].client_to_server.hmac_key.size(), 32u);
}

TEST(DecapFrames, TamperedFramesFailToOpen) {
    const SessionFile file = make_file(crypto::Cipher::Aes256Gcm, 1);
    auto model = TrafficModel::create(file, kLanHost);
    ASSERT_TRUE(model.ok());
    auto engine = crypto::CryptoEngine::create();
    ASSERT_TRUE(engine.ok());
    std::vector<uint8_t> buf(2048);
    uint8_t* frame = buf.data();
    uint32_t len = 0;
    const FrameSpec spec{0, 1, 100, nullptr};
    build_decap_frames(*model, {}, std::span(&spec, 1), std::span(&frame, 1), std::span(&len, 1),
                       **engine);
    buf[len - 1] ^= 1;
    UdpFrame outer;
    ASSERT_TRUE(parse_udp_frame(frame, len, outer));
    crypto::DataOp op;
    ASSERT_TRUE(prepare_open(outer.payload, outer.payload_bytes, model->c2s(0), op));
    (*engine)->process(std::span(&op, 1));
    uint8_t* ip = nullptr;
    uint32_t ip_bytes = 0;
    EXPECT_FALSE(opened_inner(op, ip, ip_bytes));
    EXPECT_FALSE(crypto::test::evp_open_packet(ref_key(file, file.sessions[0].client_to_server),
                                               ByteSpan(outer.payload, outer.payload_bytes)));
}

TEST(EncapFrames, ArePlainIpv4UdpToTheTunnelAddress) {
    const SessionFile file = make_file(crypto::Cipher::Aes256Gcm, 3);
    auto model = TrafficModel::create(file, kLanHost);
    ASSERT_TRUE(model.ok());
    std::vector<uint8_t> buf(2048);
    for (uint32_t s = 0; s < 3; ++s) {
        const FrameSpec spec{s, 1, 576, nullptr};
        const uint32_t len = build_encap_frame(*model, {}, spec, buf.data());
        ASSERT_EQ(len, 14u + 576u);
        expect_ipv4_udp_valid(buf.data() + 14, 576);
        UdpFrame u;
        ASSERT_TRUE(parse_udp_frame(buf.data(), len, u));
        EXPECT_EQ(u.flow.src, kLanHost);
        EXPECT_EQ(u.flow.dst, file.sessions[s].tunnel_address);
        EXPECT_EQ(model->by_tunnel(u.flow.dst), static_cast<int>(s));
    }
}

TEST(TrafficModel, LookupsFindEverySessionAndNothingElse) {
    const SessionFile file = make_file(crypto::Cipher::Aes128Gcm, 300);
    auto model = TrafficModel::create(file, kLanHost);
    ASSERT_TRUE(model.ok());
    for (size_t i = 0; i < file.sessions.size(); ++i) {
        const PerfSession& s = file.sessions[i];
        EXPECT_EQ(model->by_peer_id(s.peer_id), static_cast<int>(i));
        EXPECT_EQ(model->by_client(s.client.address, s.client.port), static_cast<int>(i));
        EXPECT_EQ(model->by_tunnel(s.tunnel_address), static_cast<int>(i));
    }
    EXPECT_EQ(model->by_peer_id(1), -1);
    EXPECT_EQ(model->by_client(0x0a010002, 1), -1);
    EXPECT_EQ(model->by_tunnel(kLanHost), -1);
    // 300 sessions over the 253 client addresses of a /24 (the server's excluded).
    EXPECT_EQ(model->client_addresses().size(), 253u);
}

TEST(TrafficModel, RejectsATunnelAddressThatIsTheLanHost) {
    SessionFile file = make_file(crypto::Cipher::Aes128Gcm, 2);
    EXPECT_FALSE(TrafficModel::create(file, file.sessions[1].tunnel_address).ok());
}

TEST(SizeMix, ImixIsSevenFourOne) {
    const SizeMix m = SizeMix::classic_imix();
    ASSERT_EQ(m.sizes.size(), 12u);
    EXPECT_EQ(std::count(m.sizes.begin(), m.sizes.end(), 64u), 7);
    EXPECT_EQ(std::count(m.sizes.begin(), m.sizes.end(), 576u), 4);
    EXPECT_EQ(std::count(m.sizes.begin(), m.sizes.end(), 1400u), 1);
    EXPECT_DOUBLE_EQ(m.average(), 346.0);
    EXPECT_EQ(SizeMix::parse("imix")->name(), "imix");
    EXPECT_EQ(SizeMix::parse("1400")->sizes, std::vector<uint32_t>{1400});
    EXPECT_FALSE(SizeMix::parse("51"));
    EXPECT_FALSE(SizeMix::parse("1501"));
    EXPECT_FALSE(SizeMix::parse("64b"));
}

TEST(SizeMix, ProbesHaveALengthNoDataPacketHas) {
    for (auto cipher : {crypto::Cipher::Aes256Gcm, crypto::Cipher::Aes256Cbc}) {
        const SessionFile file = make_file(cipher, 1);
        auto key = make_data_key(file, file.sessions[0].client_to_server);
        ASSERT_TRUE(key.ok());
        for (uint32_t size : {52u, 64u, 68u, 1400u}) {
            for (const SizeMix& mix : {SizeMix::fixed(size), SizeMix::classic_imix()}) {
                const uint32_t p = choose_probe_bytes(mix, **key);
                EXPECT_GE(p, kMinInnerBytes);
                for (uint32_t s : mix.sizes) {
                    EXPECT_NE(p, s);
                    EXPECT_NE(data_v2_bytes(**key, p), data_v2_bytes(**key, s));
                }
            }
        }
    }
}

TEST(SizeMix, ReplayOrderCyclesSessionsAndSizes) {
    const SessionFile file = make_file(crypto::Cipher::Aes256Gcm, 12);
    auto model = TrafficModel::create(file, kLanHost);
    ASSERT_TRUE(model.ok());
    const SizeMix mix = SizeMix::classic_imix();
    EXPECT_EQ(templates_per_session(12, mix, 8192), 672u); // 682 rounded down to whole cycles
    EXPECT_EQ(templates_per_session(100000, mix, 8192), 1u);
    EXPECT_EQ(templates_per_session(1000, SizeMix::fixed(64), 8192), 8u);
    // Every session sees every size position across one cycle, so the mix stays 7:4:1 even
    // though the session count is a multiple of the cycle.
    std::map<uint32_t, std::set<uint32_t>> sizes_of_session;
    std::map<uint32_t, int> count;
    for (size_t j = 0; j < 12 * 12; ++j) {
        FrameSpec s = replay_frame_spec(*model, mix, j);
        EXPECT_EQ(s.session, j % 12);
        EXPECT_EQ(s.packet_id, j / 12 + 1);
        sizes_of_session[s.session].insert(s.inner_bytes);
        ++count[s.inner_bytes];
    }
    for (auto& [session, sizes] : sizes_of_session)
        EXPECT_EQ(sizes.size(), 3u) << session;
    EXPECT_EQ(count[64], 7 * 12);
    EXPECT_EQ(count[576], 4 * 12);
    EXPECT_EQ(count[1400], 12);
}

TEST(Arp, RequestAndReplyRoundTrip) {
    uint8_t frame[64];
    const Mac mine = {2, 0, 0, 0, 0, 1}, theirs = {2, 0, 0, 0, 0, 2};
    ASSERT_EQ(write_arp_request(frame, mine, 0x0a010002, 0x0a010001), kArpFrameBytes);
    ArpPacket req;
    ASSERT_TRUE(parse_arp(frame, kArpFrameBytes, req));
    EXPECT_EQ(req.op, kArpRequest);
    EXPECT_EQ(req.sender_ip, 0x0a010002u);
    EXPECT_EQ(req.target_ip, 0x0a010001u);
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(frame[i], 0xff);
    // The appliance's side answers; then vpnperf turns a request into a reply in place.
    write_arp_reply(frame, req, theirs);
    ArpPacket rep;
    ASSERT_TRUE(parse_arp(frame, kArpFrameBytes, rep));
    EXPECT_EQ(rep.op, kArpReply);
    EXPECT_EQ(rep.sender_mac, theirs);
    EXPECT_EQ(rep.sender_ip, 0x0a010001u);
    EXPECT_EQ(rep.target_mac, mine);
    EXPECT_EQ(rep.target_ip, 0x0a010002u);
    EXPECT_TRUE(std::equal(mine.begin(), mine.end(), frame));
    EXPECT_FALSE(parse_arp(frame, 41, rep));
    frame[14 + 5] = 16; // protocol address length
    EXPECT_FALSE(parse_arp(frame, kArpFrameBytes, rep));
}

TEST(WireFormat, ParsersRejectTruncatedAndForeignFrames) {
    std::vector<uint8_t> buf(2048);
    Ipv4Flow flow{0x0a080002, kLanHost, 10000, 9};
    const uint32_t len = write_plain_frame(buf.data(), {}, 100, flow, 1, nullptr);
    UdpFrame u;
    EXPECT_TRUE(parse_udp_frame(buf.data(), len, u));
    for (uint32_t cut : {0u, 13u, 14u, 33u, 41u, len - 1})
        EXPECT_FALSE(parse_udp_frame(buf.data(), cut, u)) << cut;
    buf[14 + 9] = 6; // TCP
    EXPECT_FALSE(parse_udp_frame(buf.data(), len, u));
    buf[14 + 9] = 17;
    buf[14 + 6] = 0x20; // more fragments
    EXPECT_FALSE(parse_udp_frame(buf.data(), len, u));
    uint8_t key_id;
    uint32_t peer_id;
    const uint8_t control[4] = {4 << 3, 0, 0, 1};
    EXPECT_FALSE(read_data_v2_header(control, 4, key_id, peer_id));
    ProbeStamp stamp;
    const uint8_t not_probe[24] = {};
    EXPECT_FALSE(read_probe(not_probe, 24, stamp));
}

} // namespace
} // namespace vp::perf
