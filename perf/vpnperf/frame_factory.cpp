// Batch frame building (see frame_factory.hpp).
#include "perf/vpnperf/frame_factory.hpp"

#include <algorithm>

namespace vp::perf {

FrameSpec replay_frame_spec(const TrafficModel& model, const SizeMix& mix, size_t j) {
    const size_t n = model.sessions();
    FrameSpec s;
    s.session = static_cast<uint32_t>(j % n);
    s.packet_id = static_cast<uint32_t>(j / n + 1);
    s.inner_bytes = mix.at(j % n + j / n);
    return s;
}

uint32_t decap_buffer_bytes(const TrafficModel& model, const FrameSpec& spec) {
    return data_v2_buffer_bytes(model.c2s(spec.session), spec.inner_bytes);
}

void build_decap_frames(const TrafficModel& model, const L2Addresses& l2,
                        std::span<const FrameSpec> specs, std::span<uint8_t* const> frames,
                        std::span<uint32_t> lengths, crypto::CryptoEngine& engine) {
    crypto::DataOp ops[crypto::CryptoEngine::kMaxChunk];
    for (size_t base = 0; base < specs.size(); base += crypto::CryptoEngine::kMaxChunk) {
        const size_t n = std::min(crypto::CryptoEngine::kMaxChunk, specs.size() - base);
        for (size_t i = 0; i < n; ++i) {
            const FrameSpec& s = specs[base + i];
            prepare_data_v2_frame(frames[base + i], l2, model.decap_header(s.session, s.packet_id),
                                  model.c2s(s.session), s.inner_bytes, model.decap_inner(s.session),
                                  static_cast<uint16_t>(s.packet_id), s.probe, ops[i]);
        }
        engine.process(std::span<crypto::DataOp>(ops, n));
        for (size_t i = 0; i < n; ++i)
            lengths[base + i] = finish_data_v2_frame(frames[base + i], ops[i]);
    }
}

uint32_t build_encap_frame(const TrafficModel& model, const L2Addresses& l2, const FrameSpec& spec,
                           uint8_t* frame) {
    return write_plain_frame(frame, l2, spec.inner_bytes, model.encap_inner(spec.session),
                             static_cast<uint16_t>(spec.packet_id), spec.probe);
}

} // namespace vp::perf
