// ipsec-mb manager ownership for crypto/ internals (not for users of the crypto layer): an
// owning pointer type, creation with the best code path for this CPU, the arch's name, and the
// process-wide manager the control plane uses for key precomputation.
#pragma once

#include <intel-ipsec-mb.h>

#include <memory>
#include <string_view>

namespace vp::crypto {

struct ImbMgrDeleter {
    void operator()(IMB_MGR* m) const { free_mb_mgr(m); }
};
using ImbMgrPtr = std::unique_ptr<IMB_MGR, ImbMgrDeleter>;

// alloc_mb_mgr + init_mb_mgr_auto; null when allocation fails.
ImbMgrPtr make_imb_mgr();

// "sse", "avx", "avx2", "avx512" (+ "-vaes" when the VAES/VPCLMULQDQ kernels are in use).
std::string_view imb_arch_name(const IMB_MGR& mgr);

// The manager DataKey::create uses. Created once (thread-safe static initialisation) and then
// only read: key expansion, GCM precomputation and one-block hashes are stateless functions
// reached through its function pointers, so concurrent callers need no lock.
const IMB_MGR* control_imb_mgr();

} // namespace vp::crypto
