// The worker's record layer from exported keys, by role, and TLS 1.3's next keys.
#include "control/sstp/record_handover.hpp"

namespace vp::sstp {

Result<WorkerRecords> make_worker_records(const tls::RecordKeys& keys, TlsRole role) {
    // What the worker opens was written by the peer.
    const tls::RecordDirectionKeys& open_keys =
        role == TlsRole::Server ? keys.client_write : keys.server_write;
    const tls::RecordDirectionKeys& seal_keys =
        role == TlsRole::Server ? keys.server_write : keys.client_write;
    auto open = tls::make_record_key(keys.suite, open_keys);
    if (!open.ok()) return open.error();
    auto seal = tls::make_record_key(keys.suite, seal_keys);
    if (!seal.ok()) return seal.error();
    WorkerRecords w;
    w.open_seq = open_keys.seq;
    w.seal_seq = seal_keys.seq;
    w.layer = std::make_unique<dp::sstp::RecordLayer>(std::move(*open), w.open_seq,
                                                      std::move(*seal), w.seal_seq);
    if (crypto::is_tls13(keys.suite)) {
        // The secrets stay on the control plane; the first next keys go with the layer.
        auto k = std::make_unique<tls::KeyUpdateSecrets>();
        k->suite = keys.suite;
        k->digest = keys.digest;
        k->client_secret = keys.client_traffic_secret;
        k->server_secret = keys.server_traffic_secret;
        if (supply_next_keys(*w.layer, *k, role, 3).ok()) w.key_update = std::move(k);
    }
    return w;
}

Status supply_next_keys(dp::sstp::RecordLayer& layer, tls::KeyUpdateSecrets& secrets, TlsRole role,
                        uint16_t which) {
    for (int dir = 0; dir < 2; ++dir) {
        if (!(which & (1u << dir))) continue;
        const bool open = dir == 0;
        dp::sstp::KeySlot& slot = open ? layer.next_open() : layer.next_seal();
        slot.take_spent(); // the key the worker stopped using: freed here
        // The server opens with the client's secret; the client with the server's.
        const bool client_secret = open == (role == TlsRole::Server);
        auto key =
            tls::tls13_update_key(secrets.suite, secrets.digest,
                                  client_secret ? secrets.client_secret : secrets.server_secret);
        if (!key.ok()) return key.error();
        if (!slot.supply(*key)) return make_error("the slot still holds a next key");
    }
    return {};
}

} // namespace vp::sstp
