// The frames vpnperf sends, built in batches: decap frames (DATA_V2, sealed with the session's
// client-to-server key, one engine call per batch) and encap frames (plaintext towards a tunnel
// address). Used for the pre-built replay pool, the latency probes, and the pcap export, so all
// three send the same bytes.
//
// Replay order: frame j belongs to session j % N and is that session's (j / N)-th packet, with
// packet-id j / N + 1 and inner size mix.at(session + j / N), so consecutive frames change
// session and every session cycles through the whole size mix.
#pragma once

#include "perf/vpnperf/traffic_model.hpp"

#include <span>

namespace vp::perf {

struct FrameSpec {
    uint32_t session = 0;
    uint32_t packet_id = 0; // decap only
    uint32_t inner_bytes = 0;
    const ProbeStamp* probe = nullptr;
};

FrameSpec replay_frame_spec(const TrafficModel& model, const SizeMix& mix, size_t j);

// Buffer room a frame of `spec` needs.
uint32_t decap_buffer_bytes(const TrafficModel& model, const FrameSpec& spec);
inline uint32_t encap_frame_bytes(const FrameSpec& spec) {
    return kEthBytes + spec.inner_bytes;
}

// Builds specs.size() decap frames into frames[i]; lengths[i] = frame bytes, 0 if sealing
// failed (never expected; the caller counts it). Batches of CryptoEngine::kMaxChunk.
void build_decap_frames(const TrafficModel& model, const L2Addresses& l2,
                        std::span<const FrameSpec> specs, std::span<uint8_t* const> frames,
                        std::span<uint32_t> lengths, crypto::CryptoEngine& engine);

// One encap (plaintext) frame; returns its length.
uint32_t build_encap_frame(const TrafficModel& model, const L2Addresses& l2, const FrameSpec& spec,
                           uint8_t* frame);

} // namespace vp::perf
