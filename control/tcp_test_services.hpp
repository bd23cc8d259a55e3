// Test services for the TCP engine, run on the control plane over streams the workers punt (the
// path SSTP and OpenVPN-over-TCP handshakes take): sink (port 19) hashes everything it receives
// and, when the client closes, answers with the SHA-256 in hex and closes; source (port 20) reads
// "<n>\n" and sends n bytes of a fixed pattern, then closes. Together with the workers' echo (7)
// and discard (9) they let tests/unit/tcp/e2e/tcp_e2e.py run against the real appliance. Enabled
// only by `tcp.test_services`. A control-plane service claiming the two punted TCP ports.
#pragma once

#include "control/service.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/dataplane.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace vp::ctl {

class TcpTestServices final : public Service {
public:
    static constexpr uint16_t sink_port = 19;
    static constexpr uint16_t source_port = 20;

    // The TCP listeners the dataplane opens for the test services: echo and discard on the
    // workers, sink and source punted to this service.
    static std::vector<dp::TcpSettings::Listener> listeners();

    explicit TcpTestServices(dp::Dataplane& dataplane);
    ~TcpTestServices() override;
    TcpTestServices(const TcpTestServices&) = delete;
    TcpTestServices& operator=(const TcpTestServices&) = delete;

    std::string_view name() const override { return "tcp-test-services"; }
    ServiceBindings bindings() const override { return {{}, {sink_port, source_port}, {}}; }
    // A PuntReason::TcpStream entry; takes the mbuf.
    void on_punt(const dp::PuntEntry& e, uint64_t now_ms) override;
    size_t connections() const { return apps_.size(); }

private:
    struct App {
        bool sink = true;
        dp::WorkerId worker = 0;
        dp::PortId port = 0;
        EVP_MD_CTX* sha = nullptr;
        std::string request;         // source: the "<n>\n" line
        uint64_t to_send = 0;        // source: bytes still to queue
        uint64_t offset = 0;         // source: position in the pattern
        std::string reply;           // sink: the digest line once the client closed
        bool in_flight = false;      // a chain is on its way to the worker
        rte_mbuf* refused = nullptr; // a chain the engine had no room for, to offer again
        bool waiting_writable = false;
        bool close_when_done = false;
        bool closed = false;
    };

    void pump(uint64_t handle, App& app);
    rte_mbuf* next_chain(App& app);
    void inject(uint64_t handle, App& app, dp::InjectAction action, rte_mbuf* m);

    dp::Dataplane& dp_;
    std::vector<uint8_t> pattern_;
    std::unordered_map<uint64_t, App> apps_;
};

} // namespace vp::ctl
