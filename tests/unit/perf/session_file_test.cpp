// Session file: round trip through text and disk, and the rejects an operator is most likely to
// hit (bad hex, key lengths that do not fit the cipher, duplicates, bad addresses, typos).
#include "control/perf/session_file.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace vp::perf {
namespace {

using nlohmann::json;

Bytes filled(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(seed + i * 3);
    return b;
}

SessionFile sample(crypto::Cipher cipher = crypto::Cipher::Aes256Gcm,
                   crypto::Digest auth = crypto::Digest::None, size_t count = 3) {
    SessionFile f;
    f.server = {0x0a010001, 1194};
    f.cipher = cipher;
    f.auth = auth;
    for (size_t i = 0; i < count; ++i) {
        PerfSession s;
        s.peer_id = static_cast<uint32_t>(10 + i);
        s.key_id = static_cast<uint8_t>(i % 8);
        s.client = {static_cast<net::Ipv4>(0x0a010002 + i), static_cast<uint16_t>(40000 + i)};
        s.tunnel_address = static_cast<net::Ipv4>(0x0a080002 + i);
        for (DirectionKeys* k : {&s.client_to_server, &s.server_to_client}) {
            k->cipher_key = filled(crypto::key_bytes(cipher), static_cast<uint8_t>(i));
            k->hmac_key = filled(crypto::digest_bytes(auth), static_cast<uint8_t>(i + 100));
            k->implicit_iv = filled(crypto::is_aead(cipher) ? 8 : 0, static_cast<uint8_t>(i + 50));
        }
        f.sessions.push_back(std::move(s));
    }
    return f;
}

// Parses the sample's JSON after `edit` changed it; returns the error text ("" if accepted).
template <class Edit>
std::string reject(Edit edit, const SessionFile& base = sample()) {
    json j = json::parse(to_json_text(base));
    edit(j);
    auto r = parse_session_file(j.dump());
    return r.ok() ? "" : r.message();
}

TEST(SessionFile, RoundTripsThroughText) {
    for (auto [c, d] : {std::pair{crypto::Cipher::Aes256Gcm, crypto::Digest::None},
                        std::pair{crypto::Cipher::ChaCha20Poly1305, crypto::Digest::None},
                        std::pair{crypto::Cipher::Aes256Cbc, crypto::Digest::Sha256},
                        std::pair{crypto::Cipher::Aes128Cbc, crypto::Digest::Sha1}}) {
        SessionFile f = sample(c, d);
        f.replay_protection = c == crypto::Cipher::Aes128Cbc;
        auto back = parse_session_file(to_json_text(f));
        ASSERT_TRUE(back.ok()) << back.message();
        EXPECT_EQ(*back, f) << crypto::openvpn_name(c);
    }
}

TEST(SessionFile, RoundTripsThroughDiskAndBuildsKeys) {
    const std::string path = "/tmp/vpnperf-sessions-test-" + std::to_string(getpid()) + ".json";
    SessionFile f = sample(crypto::Cipher::Aes256Cbc, crypto::Digest::Sha256, 5);
    ASSERT_TRUE(write_session_file(path, f).ok());
    auto back = load_session_file(path);
    std::remove(path.c_str());
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(*back, f);
    for (const PerfSession& s : back->sessions) {
        auto k = make_data_key(*back, s.client_to_server);
        ASSERT_TRUE(k.ok()) << k.message();
        EXPECT_EQ((*k)->cipher(), crypto::Cipher::Aes256Cbc);
        EXPECT_EQ((*k)->auth_bytes(), 32u);
    }
}

TEST(SessionFile, ReplayProtectionDefaultsToOff) {
    auto r = parse_session_file([] {
        json j = json::parse(to_json_text(sample()));
        j.erase("replay_protection");
        return j.dump();
    }());
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_FALSE(r->replay_protection);
}

TEST(SessionFile, EmptyKeyFieldsMayBeOmitted) {
    auto r = parse_session_file([] {
        json j = json::parse(to_json_text(sample()));
        for (auto& s : j["sessions"]) {
            s["client_to_server"].erase("hmac_key");
            s["server_to_client"].erase("hmac_key");
        }
        return j.dump();
    }());
    EXPECT_TRUE(r.ok()) << r.message();
}

TEST(SessionFile, RejectsBadHex) {
    auto e = reject([](json& j) { j["sessions"][1]["client_to_server"]["cipher_key"] = "zz"; });
    EXPECT_NE(e.find("sessions[1] (peer_id 11): client_to_server.cipher_key: not hex"),
              std::string::npos)
        << e;
    e = reject([](json& j) { j["sessions"][0]["server_to_client"]["implicit_iv"] = "abc"; });
    EXPECT_NE(e.find("server_to_client.implicit_iv: odd number of hex digits"), std::string::npos)
        << e;
}

TEST(SessionFile, RejectsKeyLengthsThatDoNotFitTheCipher) {
    auto e = reject([](json& j) {
        j["sessions"][2]["client_to_server"]["cipher_key"] = std::string(32, 'a'); // 16 bytes
    });
    EXPECT_NE(e.find("sessions[2] (peer_id 12): client_to_server.cipher_key: expected 32 bytes "
                     "for AES-256-GCM, got 16"),
              std::string::npos)
        << e;
    e = reject([](json& j) { j["sessions"][0]["client_to_server"]["implicit_iv"] = "00"; });
    EXPECT_NE(e.find("implicit_iv: expected 8 bytes"), std::string::npos) << e;
    e = reject([](json& j) { j["sessions"][0]["client_to_server"]["hmac_key"] = "00"; });
    EXPECT_NE(e.find("hmac_key: expected 0 bytes"), std::string::npos) << e;
    // CBC + SHA256: a 20-byte (SHA1-sized) HMAC key is wrong.
    e = reject(
        [](json& j) { j["sessions"][0]["server_to_client"]["hmac_key"] = std::string(40, '1'); },
        sample(crypto::Cipher::Aes256Cbc, crypto::Digest::Sha256));
    EXPECT_NE(e.find("server_to_client.hmac_key: expected 32 bytes for auth SHA256, got 20"),
              std::string::npos)
        << e;
    // A cipher change without new keys.
    e = reject([](json& j) { j["cipher"] = "AES-128-GCM"; });
    EXPECT_NE(e.find("expected 16 bytes for AES-128-GCM"), std::string::npos) << e;
    e = reject([](json& j) { j["auth"] = "SHA256"; });
    EXPECT_NE(e.find("auth: must be \"none\" with AES-256-GCM"), std::string::npos) << e;
}

TEST(SessionFile, RejectsDuplicates) {
    auto e = reject([](json& j) { j["sessions"][2]["peer_id"] = 10; });
    EXPECT_NE(e.find("sessions[2] (peer_id 10): peer_id: duplicate of sessions[0]"),
              std::string::npos)
        << e;
    e = reject([](json& j) { j["sessions"][1]["client"] = j["sessions"][0]["client"]; });
    EXPECT_NE(e.find("client: 10.1.0.2:40000 is also the endpoint of sessions[0]"),
              std::string::npos)
        << e;
    e = reject([](json& j) { j["sessions"][1]["tunnel_address"] = "10.8.0.2"; });
    EXPECT_NE(e.find("tunnel_address: 10.8.0.2 is also the tunnel address of sessions[0]"),
              std::string::npos)
        << e;
}

TEST(SessionFile, RejectsBadAddressesAndNumbers) {
    auto e = reject([](json& j) { j["server"]["address"] = "10.1.0"; });
    EXPECT_NE(e.find("server.address: '10.1.0' is not an IPv4 address"), std::string::npos) << e;
    e = reject([](json& j) { j["sessions"][0]["tunnel_address"] = "0.0.0.0"; });
    EXPECT_NE(e.find("tunnel_address: '0.0.0.0' is not a unicast address"), std::string::npos) << e;
    e = reject([](json& j) { j["sessions"][0]["client"]["address"] = "224.0.0.1"; });
    EXPECT_NE(e.find("client.address: '224.0.0.1' is not a unicast address"), std::string::npos)
        << e;
    e = reject([](json& j) { j["sessions"][0]["client"]["port"] = 70000; });
    EXPECT_NE(e.find("client.port: 70000 is over 65535"), std::string::npos) << e;
    e = reject([](json& j) { j["server"]["port"] = 0; });
    EXPECT_NE(e.find("server.port: port 0 is not allowed"), std::string::npos) << e;
    e = reject([](json& j) { j["sessions"][0]["peer_id"] = 0xFFFFFF; });
    EXPECT_NE(e.find("peer_id: 16777215 is over 16777214"), std::string::npos) << e;
    e = reject([](json& j) { j["sessions"][0]["key_id"] = 8; });
    EXPECT_NE(e.find("key_id: 8 is over 7"), std::string::npos) << e;
    e = reject([](json& j) { j["sessions"][0]["key_id"] = -1; });
    EXPECT_NE(e.find("key_id: expected a non-negative integer"), std::string::npos) << e;
}

TEST(SessionFile, RejectsStructuralMistakes) {
    EXPECT_NE(reject([](json& j) {
                  j["sessions"][0]["tunel_address"] = "10.8.0.9";
              }).find("sessions[0] (peer_id 10): tunel_address: unknown field"),
              std::string::npos);
    EXPECT_NE(reject([](json& j) { j.erase("cipher"); }).find("cipher: missing"),
              std::string::npos);
    EXPECT_NE(reject([](json& j) { j["cipher"] = "BF-CBC"; }).find("unknown cipher 'BF-CBC'"),
              std::string::npos);
    EXPECT_NE(reject([](json& j) { j["format"] = "other"; }).find("format: expected"),
              std::string::npos);
    EXPECT_NE(reject([](json& j) { j["version"] = 2; }).find("version 2 is not supported"),
              std::string::npos);
    EXPECT_NE(reject([](json& j) { j["sessions"] = json::array(); }).find("no sessions"),
              std::string::npos);
    EXPECT_NE(reject([](json& j) {
                  j["replay_protection"] = "no";
              }).find("replay_protection: expected true or false"),
              std::string::npos);
    auto r = parse_session_file("{\n  \"format\": \"vpnplane-perf-sessions\",\n  oops\n}");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("line 3"), std::string::npos) << r.message();
}

TEST(SessionFile, WriterRefusesInvalidFiles) {
    SessionFile f = sample();
    f.sessions[1].peer_id = f.sessions[0].peer_id;
    auto st = write_session_file("/tmp/vpnperf-never-written.json", f);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("not written"), std::string::npos);
    EXPECT_FALSE(std::ifstream("/tmp/vpnperf-never-written.json").good());
}

TEST(SessionFile, LoadNamesTheFile) {
    auto r = load_session_file("/nonexistent/sessions.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("/nonexistent/sessions.json"), std::string::npos);
}

} // namespace
} // namespace vp::perf
