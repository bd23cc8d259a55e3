// The TLS record layer's hand-over to a worker (docs/sstp.md "Record layer hand-over"), for both
// roles: the server's sessions open what the client wrote and seal with the server's write key;
// a client link (sstp_clients) the other way round. Builds the worker's dp::sstp::RecordLayer
// from the exported keys, keeps TLS 1.3's traffic secrets for KeyUpdate and derives each next
// key into the layer's KeySlots (open: the peer's secret, seal: ours).
#pragma once

#include "base/result.hpp"
#include "control/tls/key_export.hpp"
#include "dataplane/sstp/record_layer.hpp"

#include <memory>

namespace vp::sstp {

enum class TlsRole : uint8_t { Server, Client };

struct WorkerRecords {
    std::unique_ptr<dp::sstp::RecordLayer> layer;
    // TLS 1.3: the secrets for the next keys (nullptr for TLS 1.2, or when the first next keys
    // could not be derived: the peer's first KeyUpdate then ends the call).
    std::unique_ptr<tls::KeyUpdateSecrets> key_update;
    uint64_t open_seq = 0, seal_seq = 0; // where the worker starts
};

// The worker's record layer for `keys` (sequence numbers already counted) in `role`. Fails for
// a suite the worker does not run (CBC stays with OpenSSL: the caller decides before).
Result<WorkerRecords> make_worker_records(const tls::RecordKeys& keys, TlsRole role);

// TLS 1.3: derives the next keys of the directions in `which` (1: open, 2: seal) into `layer`'s
// KeySlots, freeing the keys it stopped using. False on failure (logged by the caller).
Status supply_next_keys(dp::sstp::RecordLayer& layer, tls::KeyUpdateSecrets& secrets, TlsRole role,
                        uint16_t which);

} // namespace vp::sstp
