// Client onboarding files: the .ovpn text (checked line by line, and parsed by the stock OpenVPN
// 2.6 client when it is installed) and the SSTP onboarding text.
#include "pki/client_profile.hpp"

#include "pki/atomic_file.hpp"
#include "pki/store.hpp"
#include "pki_test_util.hpp"
#include "tests/common/skip.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <unistd.h>

namespace vp::pki {
namespace {

using testing::kNow;
using testing::TempDir;

bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

std::string openvpn_binary() {
    for (const char* p : {"/usr/sbin/openvpn", "/usr/bin/openvpn", "/usr/local/sbin/openvpn"})
        if (::access(p, X_OK) == 0) return p;
    return {};
}

std::string run(const std::string& command) {
    std::string out;
    FILE* f = ::popen((command + " 2>&1").c_str(), "r");
    if (!f) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    ::pclose(f);
    return out;
}

class ClientProfileTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        auto store = Store::open_or_create(*dir_ / "store");
        ASSERT_TRUE(store.ok());
        testing::make_basic_pki(*store, std::time(nullptr));
        ca_pem_ = new std::string(*store->ca_pem("client"));
        cert_pem_ = new std::string(*store->certificate_pem("client"));
        key_pem_ = new std::string(*store->private_key_pem("client"));
    }
    static void TearDownTestSuite() {
        delete ca_pem_;
        delete cert_pem_;
        delete key_pem_;
        delete dir_;
    }

    OvpnProfileParams params() const {
        OvpnProfileParams p;
        p.comment = "vpnplane profile for alice";
        p.remote_host = "127.0.0.1";
        p.port = 1;
        p.data_ciphers = {"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"};
        p.auth = "SHA256";
        p.ca_pem = *ca_pem_;
        p.cert_pem = *cert_pem_;
        p.key_pem = *key_pem_;
        return p;
    }

    // Runs the stock client on the profile until it gives up connecting; returns its log.
    std::string openvpn_log(const std::string& profile, const std::string& extra = "") {
        std::string path = *dir_ / ("p" + std::to_string(counter_++) + ".ovpn");
        std::ofstream(path) << profile;
        return run("timeout 20 " + openvpn_binary() + " --config " + path + " " + extra +
                   " --verb 4 --route-noexec --ifconfig-noexec --connect-retry-max 1"
                   " --connect-timeout 1 --hand-window 1 --server-poll-timeout 1");
    }

    static TempDir* dir_;
    static std::string* ca_pem_;
    static std::string* cert_pem_;
    static std::string* key_pem_;
    int counter_ = 0;
};
TempDir* ClientProfileTest::dir_ = nullptr;
std::string* ClientProfileTest::ca_pem_ = nullptr;
std::string* ClientProfileTest::cert_pem_ = nullptr;
std::string* ClientProfileTest::key_pem_ = nullptr;

TEST_F(ClientProfileTest, OvpnLines) {
    auto p = params();
    p.cipher = "AES-256-CBC";
    p.auth_user_pass = true;
    auto text = build_ovpn_profile(p);
    ASSERT_TRUE(text.ok()) << text.message();
    for (const char* line :
         {"client", "dev tun", "proto udp", "remote 127.0.0.1 1", "nobind",
          "remote-cert-tls server", "data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305",
          "data-ciphers-fallback AES-256-CBC", "auth SHA256", "auth-user-pass", "verb 3", "<ca>",
          "</ca>", "<cert>", "</cert>", "<key>", "</key>"})
        EXPECT_TRUE(has_line(*text, line)) << line;
    EXPECT_EQ(text->find("<tls-auth>"), std::string::npos);
    EXPECT_NE(text->find(*key_pem_), std::string::npos);
}

TEST_F(ClientProfileTest, OvpnFixedCipherTcpTlsAuth) {
    auto p = params();
    p.ncp = false;
    p.cipher = "AES-256-CBC";
    p.proto = OvpnProto::Tcp;
    p.tls_auth_key =
        "-----BEGIN OpenVPN Static key V1-----\nab\n-----END OpenVPN Static key V1-----\n";
    auto text = build_ovpn_profile(p);
    ASSERT_TRUE(text.ok()) << text.message();
    EXPECT_TRUE(has_line(*text, "proto tcp-client"));
    EXPECT_TRUE(has_line(*text, "data-ciphers AES-256-CBC"));
    EXPECT_TRUE(has_line(*text, "key-direction 1"));
    EXPECT_TRUE(has_line(*text, "<tls-auth>"));
}

TEST_F(ClientProfileTest, OvpnRefusesWhatTheClientWouldNot) {
    auto p = params();
    p.remote_host = "bad host";
    EXPECT_FALSE(build_ovpn_profile(p).ok());
    p = params();
    p.ca_pem = "not pem";
    EXPECT_FALSE(build_ovpn_profile(p).ok());
    p = params();
    p.key_pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----\n";
    EXPECT_NE(build_ovpn_profile(p).message().find("encrypted"), std::string::npos);
    p = params();
    p.cert_pem += "</cert>\nscript-security 3\n<cert>";
    EXPECT_FALSE(build_ovpn_profile(p).ok()); // no injection through inline blocks
    p = params();
    p.tls_crypt_key = "-----BEGIN OpenVPN Static key V1-----\n-----END OpenVPN Static key V1-----";
    p.tls_auth_key = p.tls_crypt_key;
    EXPECT_FALSE(build_ovpn_profile(p).ok());
    p = params();
    p.cert_pem.clear();
    p.key_pem.clear();
    EXPECT_FALSE(build_ovpn_profile(p).ok()); // neither certificate nor password
    p.auth_user_pass = true;
    EXPECT_TRUE(build_ovpn_profile(p).ok());
    p = params();
    p.data_ciphers = {"AES-256-GCM:BF-CBC"};
    EXPECT_FALSE(build_ovpn_profile(p).ok());
}

TEST_F(ClientProfileTest, StockOpenVpnParsesEveryVariant) {
    if (openvpn_binary().empty()) VP_SKIP_UNLESS_CI("openvpn is not installed");
    std::string keys = dir_->path();
    std::string ta = keys + "/ta.key", v2s = keys + "/v2s.key", v2c = keys + "/v2c.key";
    run(openvpn_binary() + " --genkey secret " + ta);
    run(openvpn_binary() + " --genkey tls-crypt-v2-server " + v2s);
    run(openvpn_binary() + " --tls-crypt-v2 " + v2s + " --genkey tls-crypt-v2-client " + v2c);
    auto read = [](const std::string& path) {
        auto text = read_whole_file(path);
        return text ? *text : std::string();
    };
    std::string authfile = keys + "/auth.txt";
    std::ofstream(authfile) << "alice\nsecret\n";

    struct Variant {
        const char* what;
        std::function<void(OvpnProfileParams&)> tweak;
        const char* expect; // a line that shows the option was taken
    };
    std::vector<Variant> variants = {
        {"udp tls-auth", [&](auto& p) { p.tls_auth_key = read(ta); },
         "Outgoing Control Channel Authentication: Using 256 bit message hash 'SHA256'"},
        {"udp tls-crypt", [&](auto& p) { p.tls_crypt_key = read(ta); },
         "Outgoing Control Channel Encryption: Cipher 'AES-256-CTR'"},
        {"udp tls-crypt-v2", [&](auto& p) { p.tls_crypt_v2_client_key = read(v2c); },
         "Outgoing Control Channel Encryption: Cipher 'AES-256-CTR'"},
        {"tcp fixed cipher auth-user-pass",
         [&](auto& p) {
             p.proto = OvpnProto::Tcp;
             p.ncp = false;
             p.cipher = "AES-256-CBC";
             p.auth_user_pass = true;
         },
         "Attempting to establish TCP connection"},
        {"password only",
         [&](auto& p) {
             p.cert_pem.clear();
             p.key_pem.clear();
             p.auth_user_pass = true;
         },
         "UDPv4 link remote"},
    };
    for (auto& v : variants) {
        auto p = params();
        v.tweak(p);
        auto text = build_ovpn_profile(p);
        ASSERT_TRUE(text.ok()) << v.what << ": " << text.message();
        std::string log =
            openvpn_log(*text, p.auth_user_pass ? "--auth-user-pass " + authfile : "");
        EXPECT_EQ(log.find("Options error"), std::string::npos) << v.what << "\n" << log;
        EXPECT_EQ(log.find("Cannot load"), std::string::npos) << v.what << "\n" << log;
        EXPECT_NE(log.find(v.expect), std::string::npos) << v.what << "\n" << log;
    }
}

TEST(SstpOnboarding, WindowsAndLinuxLines) {
    SstpProfileParams p;
    p.server_host = "vpn.example.com";
    p.user = "alice";
    p.ca_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    auto text = build_sstp_onboarding(p);
    ASSERT_TRUE(text.ok()) << text.message();
    EXPECT_NE(text->find("Add-VpnConnection -Name \"vpnplane SSTP\" -ServerAddress "
                         "\"vpn.example.com\" -TunnelType Sstp -AuthenticationMethod MSChapv2 "
                         "-EncryptionLevel Required -RememberCredential"),
              std::string::npos)
        << *text;
    EXPECT_NE(text->find("Cert:\\LocalMachine\\Root"), std::string::npos);
    EXPECT_NE(text->find("sstpc --log-stderr --ca-cert vpnplane-ca.crt --user 'alice'"),
              std::string::npos);
    EXPECT_NE(text->find("require-mschap-v2"), std::string::npos);
    EXPECT_NE(text->find("noauth nodefaultroute"), std::string::npos);
    EXPECT_NE(text->find("noccp"), std::string::npos);
    EXPECT_NE(text->find(p.ca_pem), std::string::npos);
    EXPECT_EQ(text->find("CRL distribution point"), std::string::npos);

    p.port = 8443;
    p.crl_urls = {"http://192.0.2.1/crl/ca.crl"};
    auto other = build_sstp_onboarding(p);
    ASSERT_TRUE(other.ok());
    EXPECT_NE(other->find("-ServerAddress \"vpn.example.com:8443\""), std::string::npos);
    EXPECT_NE(other->find("vpn.example.com:8443 require-mschap-v2"), std::string::npos);
    EXPECT_NE(other->find("CRL distribution point (http://192.0.2.1/crl/ca.crl)"),
              std::string::npos);

    p.connection_name = "x\"; Remove-Item C:\\ -Recurse; \"";
    EXPECT_FALSE(build_sstp_onboarding(p).ok());
    p = {};
    p.server_host = "vpn.example.com";
    p.user = "al'ice";
    EXPECT_FALSE(build_sstp_onboarding(p).ok());
}

} // namespace
} // namespace vp::pki
