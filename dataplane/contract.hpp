// The contract between the control plane and the workers — the only way the two planes talk.
//
//   worker  --punt ring (MP/SC, one)-------------->  control   packets + why they were punted
//   control --inject ring (MP/SC, one per worker)-->  worker   packets to send or route
//   worker  --handoff ring (MP/SC, one per worker)->  worker   packets for a session it owns
//   control --Publisher (lock-free tables + RCU)--->  workers  routes, neighbours, proxy-ARP,
//                                                             sessions
//
// Everything crossing here is a plain struct or an mbuf. Workers never block on the control
// plane: a full ring is a counted drop. Tables are written only by the control plane (one
// writer at a time) and read by workers without locks; whatever a worker might still be reading
// is freed only after every worker has reported a quiescent state (rte_rcu_qsbr).
#pragma once

#include <atomic>
#include <cstdint>

struct rte_mbuf;

namespace vp::dp {

using PortId = uint16_t; // the appliance's port index (0..ports-1), not the DPDK port id
using WorkerId = uint16_t;
using SessionId = uint32_t;
inline constexpr SessionId no_session = UINT32_MAX;

// ---- punt ring: worker -> control ------------------------------------------------------------

enum class PuntReason : uint16_t {
    // An IPv4 packet routed out of `port` towards a next hop (payload.neighbor_miss) whose
    // neighbour is unknown. It is already forwarded (TTL decremented, MSS clamped); the control
    // plane holds it, resolves the neighbour and injects it with the Ethernet header filled in.
    NeighborMiss,
    // An ARP packet the control plane must see: replies, gratuitous ARP, and requests from
    // senders not yet in the neighbour table (the control plane answers those and learns).
    ArpInput,
    // A UDP datagram for the OpenVPN port that is not data for a known peer-id.
    OvpnControl,
    // A TCP segment for a listening port while no TCP engine runs (not used with one).
    TcpControl,
    // An event of a TCP connection whose consumer is the control plane (the engine's punt
    // consumer): payload.tcp_stream. Data events carry the bytes as an mbuf chain; SendRefused
    // returns a chain the engine had no room for.
    TcpStream,
    // A session event (payload.session_event): without a packet (mbuf == nullptr), or for
    // SstpEvent::Outbound with the inner IPv4 packet (at offset 14) routed into the session.
    SessionEvent,
    // A packet matched a firewall rule whose action adds an address to an address list
    // (payload.address_list; no mbuf): the control plane adds the entry and recompiles. Bounded
    // per worker (rate and repeats, dataplane/firewall/filter_stage.cpp).
    AddressListAdd,
};

// Connecting: the answer to InjectAction::TcpConnect (the new connection's handle; an invalid
// handle, tcp::ConnHandle{}.pack(), when the engine refused it), punted at once; Opened follows
// when the handshake completes, Closed when it fails.
enum class TcpEvent : uint16_t {
    Opened,
    Data,
    PeerClosed,
    Writable,
    Closed,
    Sent,
    SendRefused,
    Connecting
};

// Events a worker reports about an OpenVPN session (PuntReason::SessionEvent).
enum class OvpnEvent : uint32_t {
    ExplicitExit = 1, // OCC EXIT received on the data channel
    Floated = 2,      // an authenticated packet came from a new endpoint
};

// Events a worker reports about an SSTP session (PuntReason::SessionEvent).
enum class SstpEvent : uint32_t {
    // An inner IPv4 packet routed into the session, for the control plane to frame and seal
    // into a TLS record: first stage, while the control plane is still the record layer.
    Outbound = 1,
    // The owner worker holds the session's TLS record layer (docs/sstp.md, record layer
    // hand-over): a whole SSTP packet it opened that is not an IPv4 data packet (control
    // messages, LCP, other PPP frames), as plaintext at offset 0 of the mbuf.
    Control = 2,
    // No packet: the worker's record layer stopped and the call must end. The event field's
    // high 16 bits carry why (dp::sstp::RecordError); see sstp_event_code().
    RecordFailed = 3,
    // No packet: the worker applied a TLS 1.3 KeyUpdate and took the next key of the
    // directions in the detail (1: open, 2: seal, 3: both) from the record layer's KeySlots;
    // the control plane derives and supplies the following ones (docs/sstp.md "KeyUpdate").
    KeyUpdated = 4,
};
// PuntPayload::session_event.event of an SSTP event: the SstpEvent in the low 16 bits, a
// detail (RecordFailed: the RecordError) in the high 16.
inline constexpr uint32_t sstp_event_code(SstpEvent e, uint16_t detail = 0) {
    return static_cast<uint32_t>(e) | uint32_t{detail} << 16;
}

// What a punt carries besides the packet, by reason (a union tagged by PuntEntry::reason;
// reasons not listed carry nothing).
union PuntPayload {
    struct {
        uint32_t next_hop_be; // the next hop whose neighbour is missing (network order)
    } neighbor_miss;
    struct {
        uint32_t sender_ip_be; // the ARP sender address (network order)
    } arp_input;
    struct {
        uint64_t conn; // the connection handle (tcp::ConnHandle::pack())
        TcpEvent event;
        uint16_t listen_port; // the listening TCP port the connection came in on (host order)
    } tcp_stream;
    struct {
        SessionId session;
        uint32_t event; // the protocol's event code (OvpnEvent for OpenVPN sessions)
    } session_event;
    struct {
        uint32_t address;    // host order: the packet's source or destination, as the rule says
        uint32_t rule;       // the rule's index in the filter set
        uint32_t generation; // the filter set's (fw::FilterSet::generation())
    } address_list;
};
static_assert(sizeof(PuntPayload) == 16);

struct PuntEntry {
    rte_mbuf* mbuf; // owned by the receiver of the entry; nullptr for events
    PuntReason reason;
    PortId port;     // the port the packet arrived on (or leaves by, for NeighborMiss)
    WorkerId worker; // the worker that punted it (the owner of the flow under RSS)
    PuntPayload payload;
};
static_assert(sizeof(PuntEntry) == 32);

// ---- inject rings: control -> worker ---------------------------------------------------------

enum class InjectAction : uint16_t {
    // A complete Ethernet frame: transmit it on `port`.
    TxPort,
    // An IPv4 packet at offset 14 (Ethernet header space reserved): route it like a packet the
    // appliance originates (no TTL decrement), resolve the neighbour, transmit.
    Route,
    // No packet: send the session payload.session a keepalive (the owner worker holds its
    // packet-id counter). Goes to the owner's inject ring.
    SessionPing,
    // An inner IPv4 packet at offset 14 that came out of session payload.session (the control
    // plane opened its record: SSTP's first stage): counted on the session, then anti-spoofing
    // and the route as for any session input. Goes to the owner's inject ring.
    SessionInput,
    // TCP stream operations for a connection owned by the worker (payload.tcp): queue the mbuf
    // chain (answered by a Sent or SendRefused event), close, abort.
    TcpSend,
    TcpClose,
    TcpAbort,
    // A new SYN-cookie secret for the worker's TCP engine: 16 bytes in the mbuf.
    TcpCookieSecret,
    // Stepwise punting (PuntMode::stepwise, SSTP's TLS records): the control plane has taken
    // the unit punted last; punt the next one (payload.tcp).
    TcpPuntResume,
    // Ends stepwise punting of payload.tcp.conn: whole TLS records from now on, not one at a
    // time. With payload.tcp.session set (an SSTP session this worker owns, published with its
    // record layer), the worker keeps the records and opens them itself (the record layer
    // hand-over); with no_session they keep going to the control plane (a suite the worker does
    // not run, e.g. CBC).
    TcpPuntRelease,
    // An SSTP packet (plaintext at the mbuf's data start) the control plane sends on session
    // payload.session, whose record layer the owner worker holds: the worker seals it into a
    // record after the ones it has sent, so each sequence number has one owner.
    SessionControl,
    // An active open on the worker's TCP engine (payload.connect, host order): the punt
    // consumer with Length16 framing, `tag` as the connection's listen_port (the service the
    // events go to). Answered by a TcpEvent::Connecting punt carrying the handle. The worker
    // must be the one RSS brings the peer's segments to.
    TcpConnect,
};

// What an inject carries besides the packet, by action (a union tagged by InjectEntry::action).
union InjectPayload {
    SessionId session; // SessionPing, SessionInput, SessionControl
    struct {
        uint64_t conn;        // the connection handle (tcp::ConnHandle::pack())
        uint16_t listen_port; // echoed in the Sent/SendRefused event
        SessionId session;    // TcpPuntRelease: the session taking the stream (or no_session)
    } tcp;                    // TcpSend, TcpClose, TcpAbort, TcpPuntResume, TcpPuntRelease
    struct {
        uint32_t remote_ip, local_ip;
        uint16_t remote_port, local_port;
        uint16_t tag;
    } connect; // TcpConnect
};
static_assert(sizeof(InjectPayload) == 16);

struct InjectEntry {
    rte_mbuf* mbuf;
    InjectAction action;
    PortId port;
    InjectPayload payload;
};
static_assert(sizeof(InjectEntry) == 32);

// ---- handoff rings: worker -> owner worker ----------------------------------------------------

enum class HandoffKind : uint32_t {
    Encap, // an inner packet (at offset 14) routed into the session: encrypt and send
    Decap, // an outer packet of the session that arrived on another worker's queue: decrypt
};

struct HandoffEntry {
    rte_mbuf* mbuf;
    SessionId session;
    HandoffKind kind;
};
static_assert(sizeof(HandoffEntry) == 16);

// ---- published tables --------------------------------------------------------------------------

// What a route points at. Routes are rte_lpm entries whose value indexes a table of NextHops;
// a NextHop is immutable once published and recycled only after an RCU grace period.
enum class NextHopKind : uint8_t {
    Local,     // one of the appliance's own addresses: deliver locally
    Connected, // on-link: the destination itself is the neighbour
    Gateway,   // via `gateway` on `port`
    Session,   // into a VPN session (client tunnel address, site-to-site routes)
    Blackhole, // drop silently (counted)
    Broadcast, // a connected subnet's broadcast address: dropped (counted), never forwarded
};

struct NextHop {
    NextHopKind kind = NextHopKind::Blackhole;
    PortId port = 0;
    uint32_t gateway_be = 0; // Gateway: the next hop's address, network order
    SessionId session = no_session;
    uint16_t mtu = 1500; // egress MTU for clamping and DF checks
};

// A neighbour (ARP entry): the MAC to use for (port, address). Immutable once published except
// `last_used_tsc`, which workers refresh (at most once per refresh interval, to keep the cache
// line shared) so that the control plane knows which entries are worth re-probing.
struct NeighborEntry {
    uint8_t mac[6] = {};
    bool reachable = false; // false: resolution failed; workers drop (counted) instead of punting
    std::atomic<uint64_t> last_used_tsc{0};
};

} // namespace vp::dp
