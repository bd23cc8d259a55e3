// Types shared by the engine and its stream consumers: which consumer a connection feeds, why a
// connection closed, the handle the worker and the control plane keep, and how punted bytes are
// framed.
#pragma once

#include <cstdint>

namespace vp::tcp {

// The closed set of stream consumers, selected per listening port (or by connect()). Adding one
// is one header in consumers/ plus its line in consumers/consumer_list.hpp and here.
enum class ConsumerKind : uint8_t {
    Discard = 0, // reads and drops everything (tests, benchmarks)
    Echo,        // sends back what it reads (tests, benchmarks)
    Punt,        // hands bytes to the worker for the control plane; bytes come back by send()
    Count
};

enum class CloseReason : uint8_t {
    Normal = 0, // both FINs exchanged and acknowledged (or TIME-WAIT entered)
    Reset,      // the peer sent an acceptable RST
    Timeout,    // retransmission, SYN, keepalive or FIN-WAIT-2 limit reached
    Aborted,    // the consumer called abort()
    Refused,    // active open answered with RST
};

const char* to_string(CloseReason r);

// A connection as the worker and the control plane name it: slot index and a generation that
// changes whenever the slot is reused, so that a stale handle (say, in an inject-ring message
// for a connection that has since closed) is rejected instead of reaching a stranger.
struct ConnHandle {
    uint32_t index = UINT32_MAX;
    uint32_t generation = 0;

    bool valid() const { return index != UINT32_MAX; }
    uint64_t pack() const { return (uint64_t{generation} << 32) | index; }
    static ConnHandle unpack(uint64_t v) {
        return ConnHandle{static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32)};
    }
    bool operator==(const ConnHandle&) const = default;
};

// How a punt consumer cuts the byte stream into the units it hands over.
enum class PuntFraming : uint8_t {
    Raw = 0,    // whatever has arrived
    TlsRecords, // whole TLS records (5-byte header, length in bytes 3-4)
    Length16,   // whole OpenVPN-TCP packets (2-byte big-endian length prefix)
};

struct PuntMode {
    PuntFraming framing = PuntFraming::Raw;
    // Hand over one unit, then wait for punt_resume() (or set_consumer()). This lets the control
    // plane feed a TLS handshake record by record and take the stream back to the worker at the
    // exact record where the handshake ends.
    bool stepwise = false;
};

} // namespace vp::tcp
