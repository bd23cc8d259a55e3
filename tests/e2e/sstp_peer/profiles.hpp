// The SSTP clients sstp_peer impersonates: what each one offers in TLS (versions, suites),
// LCP (MRU and the options Windows asks for that a server over SSTP must reject), the
// authentication methods it accepts, the crypto binding hashes it implements and what IPCP asks
// for. Facts from ../shared/protocols/sstp-ppp.md ("TLS", "PPP over SSTP") and docs/sstp.md.
#pragma once

#include "control/ppp/types.hpp"
#include "control/sstp/client_protocol.hpp"
#include "control/tls/context.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace vp::sstp_peer {

struct Profile {
    std::string name;
    tls::Policy tls;
    ppp::PppConfig ppp; // client role; user and password are filled in by the caller
    uint8_t hash_bitmask = 0;
};

// windows10, windows11, routeros; `auth` picks the method of the routeros profile (pap or
// mschap2; the Windows profiles accept MS-CHAPv2 only). nullopt: an unknown name.
std::optional<Profile> make_profile(std::string_view name, std::string_view auth);

} // namespace vp::sstp_peer
