// OvpnSession teardown: a session retired through RCU takes its remaining key slots with it.
#include "dataplane/ovpn/ovpn_session.hpp"

namespace vp::dp {

OvpnSession::~OvpnSession() {
    for (auto& s : slots)
        delete s.exchange(nullptr);
}

} // namespace vp::dp
