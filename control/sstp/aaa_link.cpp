// The SSTP connection's AAA adapter. PPP has already checked the peer's proof against the
// password given out by password(), so the grant is asked for with a check that accepts: the
// secret is looked up again under AAA's lock (a reload in between refuses cleanly).
#include "control/sstp/aaa_link.hpp"

namespace vp::sstp {

AaaLink::~AaaLink() {
    if (grant_) aaa_.release(*grant_);
}

std::string AaaLink::secret_name(std::string_view user) {
    auto slash = user.rfind('\\');
    return std::string(slash == std::string_view::npos ? user : user.substr(slash + 1));
}

std::optional<std::string> AaaLink::password(std::string_view user) {
    return aaa_.secret_password(secret_name(user), aaa::Service::Sstp);
}

std::optional<net::Ipv4> AaaLink::assign(std::string_view user) {
    if (grant_) {
        aaa_.release(*grant_);
        grant_.reset();
    }
    aaa::AuthRequest request;
    request.service = aaa::Service::Sstp;
    request.user = secret_name(user);
    request.caller_id = caller_;
    request.default_profile = default_profile_;
    auto verdict = aaa_.authenticate_challenge(request, [](std::string_view) { return true; });
    if (auto* reject = std::get_if<aaa::Reject>(&verdict)) {
        refusal_ = aaa::to_string(reject->reason);
        if (!reject->detail.empty()) refusal_ += " (" + reject->detail + ")";
        return std::nullopt;
    }
    refusal_.clear();
    grant_ = std::get<aaa::Grant>(std::move(verdict));
    return grant_->remote_address;
}

void AaaLink::release(net::Ipv4 address) {
    if (grant_ && grant_->remote_address == address) {
        aaa_.release(*grant_);
        grant_.reset();
    }
}

} // namespace vp::sstp
