// ipsec-mb manager creation and naming.
#include "crypto/imb_mgr.hpp"

namespace vp::crypto {

ImbMgrPtr make_imb_mgr() {
    ImbMgrPtr m(alloc_mb_mgr(0));
    if (m) init_mb_mgr_auto(m.get(), nullptr);
    return m;
}

std::string_view imb_arch_name(const IMB_MGR& mgr) {
    const bool vaes = (mgr.features & (IMB_FEATURE_VAES | IMB_FEATURE_VPCLMULQDQ)) ==
                      (IMB_FEATURE_VAES | IMB_FEATURE_VPCLMULQDQ);
    switch (mgr.used_arch) {
    case IMB_ARCH_NOAESNI:
        return "noaesni";
    case IMB_ARCH_SSE:
        return "sse";
    case IMB_ARCH_AVX:
        return "avx";
    case IMB_ARCH_AVX2:
        return vaes ? "avx2-vaes" : "avx2";
    case IMB_ARCH_AVX512:
        return vaes ? "avx512-vaes" : "avx512";
    default:
        return "unknown";
    }
}

const IMB_MGR* control_imb_mgr() {
    // Lives for the whole process: keys may be created until exit.
    static IMB_MGR* const mgr = make_imb_mgr().release();
    return mgr;
}

} // namespace vp::crypto
