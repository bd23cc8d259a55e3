// The client profiles of sstp_peer (see profiles.hpp).
#include "tests/e2e/sstp_peer/profiles.hpp"

namespace vp::sstp_peer {

namespace {

// What Windows asks for in its LCP Configure-Request beyond MRU and magic: PFC (7), ACFC (8) and
// Callback (13) with operation 6 (the Callback Control Protocol). A server over SSTP has no HDLC
// and no callback, so it rejects all three and Windows goes on without them.
const Bytes kWindowsLcpExtras = {0x07, 0x02, 0x08, 0x02, 0x0D, 0x03, 0x06};

Profile windows(std::string name, tls::Version version) {
    Profile p;
    p.name = std::move(name);
    p.tls.min_version = version;
    p.tls.max_version = version;
    // Windows 10 offers TLS 1.2 only, and of its suites the server's RSA certificate leaves
    // ECDHE-RSA-AES256-GCM-SHA384; Windows 11 offers TLS 1.3 with the AES-GCM suites only.
    p.tls.cipher_list = "ECDHE-RSA-AES256-GCM-SHA384";
    p.tls.ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
    p.ppp.mru = 1400; // not the default, so the option is really negotiated
    p.ppp.auth_methods = {ppp::AuthMethod::MsChapV2};
    p.ppp.lcp_extra_options = kWindowsLcpExtras;
    p.ppp.request_dns = true;
    p.ppp.request_nbns = true;
    p.hash_bitmask = sstp::kHashBitmaskSha1 | sstp::kHashBitmaskSha256; // SHA256 when offered
    return p;
}

} // namespace

std::optional<Profile> make_profile(std::string_view name, std::string_view auth) {
    if (name == "windows10" && auth == "mschap2") return windows("windows10", tls::Version::Tls12);
    if (name == "windows11" && auth == "mschap2") return windows("windows11", tls::Version::Tls13);
    if (name != "routeros" || (auth != "pap" && auth != "mschap2")) return std::nullopt;
    Profile p;
    p.name = "routeros";
    // RouterOS's `aes256-sha` with `pfs = no` (its default): TLS 1.2, AES-256-CBC with
    // HMAC-SHA1 and the RSA key exchange.
    p.tls.min_version = tls::Version::Tls12;
    p.tls.max_version = tls::Version::Tls12;
    p.tls.cipher_list = "AES256-SHA";
    p.ppp.mru = 1500;
    p.ppp.auth_methods = {auth == "pap" ? ppp::AuthMethod::Pap : ppp::AuthMethod::MsChapV2};
    p.ppp.request_dns = false; // RouterOS's profile `use-peer-dns = no`, its default
    p.ppp.request_nbns = false;
    p.hash_bitmask = sstp::kHashBitmaskSha1;
    return p;
}

} // namespace vp::sstp_peer
