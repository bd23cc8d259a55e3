// PppSession: one PPP link, sequenced as RFC 1661 section 3 says — LCP, then authentication,
// then IPCP — in either role. The caller feeds it frames and time and sends what it returns;
// events (authenticated, ip_up, terminated) come back in the same Output. Process an Output's
// events before sending its frames: the HLAK is final when `Authenticated` is reported, which is
// before the peer can see the CHAP Success (sstp-ppp.md: the crypto binding race).
#pragma once

#include "control/ppp/auth.hpp"
#include "control/ppp/fsm.hpp"
#include "control/ppp/ipcp.hpp"
#include "control/ppp/lcp.hpp"

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace vp::ppp {

struct PppConfig {
    Role role = Role::Server;
    uint16_t mru = 1500; // asked for in LCP (max-mru)
    uint16_t mtu = 1500; // the most sent, whatever the peer's MRU (max-mtu)
    // Server: methods offered in order of preference; client: methods accepted. Empty: none.
    std::vector<AuthMethod> auth_methods = {AuthMethod::MsChapV2};
    std::string name = "vpnplane"; // server: the CHAP Name field
    std::string user;              // client credentials
    std::string password;
    net::Ipv4 local_address = 0; // server: its tunnel address
    std::vector<net::Ipv4> dns;  // server: offered with IPCP 129/131
    std::vector<net::Ipv4> nbns; // server: WINS, offered with IPCP 130/132
    bool request_dns = true;     // client
    bool request_nbns = false;   // client: IPCP 130/132 as well (Windows)
    Bytes lcp_extra_options;     // client: LCP options asked for beyond MRU and magic (Windows)
    FsmTimers timers;
};

namespace event {
struct Authenticated {
    std::string user; // as the peer sent it (domain included); empty without authentication
    AuthMethod method = AuthMethod::None;
};
struct AuthFailed {
    std::string user;
    std::string reason;
};
struct IpUp {
    net::Ipv4 local = 0;
    net::Ipv4 peer = 0;
    std::vector<net::Ipv4> dns;
};
struct Terminated {
    std::string reason;
};
} // namespace event
using Event = std::variant<event::Authenticated, event::AuthFailed, event::IpUp, event::Terminated>;

struct Output {
    std::vector<Bytes> frames;
    std::vector<Event> events;
};

enum class Phase : uint8_t { Establish, Authenticate, Network, Terminate, Dead };
const char* to_string(Phase phase);

class PppSession {
public:
    // Server role needs credentials and addresses; the client role may pass nullptr for both.
    PppSession(PppConfig config, Credentials* credentials, AddressAllocator* addresses);
    ~PppSession();
    PppSession(const PppSession&) = delete;
    PppSession& operator=(const PppSession&) = delete;

    // The lower layer (SSTP) is up: sends LCP's first Configure-Request.
    Output start(Millis now);
    Output input(ByteSpan frame, Millis now);
    Output on_timer(Millis now);
    // Administrative close (LCP Terminate-Request); Terminated follows when LCP is finished.
    Output close(std::string reason, Millis now);
    // The earliest time on_timer has something to do.
    std::optional<Millis> next_deadline() const;

    Phase phase() const { return phase_; }
    uint16_t peer_mru() const { return lcp_policy_.peer_mru(); }
    uint16_t mru() const { return lcp_policy_.mru(); }
    // The link's MTU toward the peer: min(peer's MRU, max-mtu). The data path sizes (and
    // clamps MSS for) what it sends to the peer by this.
    uint16_t mtu() const { return lcp_policy_.mtu(); }
    AuthMethod auth_method() const { return lcp_policy_.auth_method(); }
    const Hlak& hlak() const { return hlak_; }
    bool ip_up() const { return ipcp_.state() == FsmState::Opened; }
    FsmState lcp_state() const { return lcp_.state(); }
    FsmState ipcp_state() const { return ipcp_.state(); }
    const Counters& counters() const { return counters_; }
    // Client: what IPCP got (DNS 129/131, WINS 130/132) and the LCP options of
    // lcp_extra_options the server refused.
    std::vector<net::Ipv4> dns() const { return ipcp_policy_.dns(); }
    std::vector<net::Ipv4> nbns() const { return ipcp_policy_.nbns(); }
    const std::vector<uint8_t>& lcp_extra_refused() const { return lcp_policy_.extra_refused(); }

private:
    void apply_lcp(FsmOutput& f, Millis now, Output& out);
    void apply_ipcp(FsmOutput& f, Millis now, Output& out);
    void apply_auth(AuthOutput& a, Millis now, Output& out);
    void begin_auth(Millis now, Output& out);
    void begin_network(const std::string& user, Millis now, Output& out);
    void terminate(std::string reason, Millis now, Output& out);
    void finished(Output& out);
    void protocol_reject(const Frame& frame, ByteSpan whole, Output& out);
    void release_address();

    PppConfig config_;
    Credentials* credentials_;
    AddressAllocator* addresses_;
    Counters counters_;
    LcpPolicy lcp_policy_;
    Fsm lcp_;
    IpcpPolicy ipcp_policy_;
    Fsm ipcp_;
    std::unique_ptr<AuthServer> auth_server_;
    std::unique_ptr<AuthClient> auth_client_;
    Phase phase_ = Phase::Establish;
    Hlak hlak_{};
    net::Ipv4 assigned_ = 0;
    std::string reason_;
    bool terminated_reported_ = false;
};

} // namespace vp::ppp
