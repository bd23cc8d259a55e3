// Names of the contract's enums, and the generic challenge-response path of Aaa.
#include "control/aaa/aaa.hpp"

namespace vp::aaa {

const char* to_string(Service service) {
    switch (service) {
    case Service::Any:
        return "any";
    case Service::Ovpn:
        return "ovpn";
    case Service::Sstp:
        return "sstp";
    }
    return "?";
}

const char* to_string(RejectReason reason) {
    switch (reason) {
    case RejectReason::UnknownUser:
        return "unknown user";
    case RejectReason::WrongPassword:
        return "wrong password";
    case RejectReason::SecretDisabled:
        return "secret disabled";
    case RejectReason::ServiceNotAllowed:
        return "service not allowed";
    case RejectReason::AlreadyConnected:
        return "already connected (only-one)";
    case RejectReason::NoAddress:
        return "no address";
    case RejectReason::CertificateMismatch:
        return "certificate mismatch";
    case RejectReason::CallerIdMismatch:
        return "caller-id mismatch";
    }
    return "?";
}

// A generic composition for implementations that have no lock to share (test doubles): a reload
// between secret_password() and authenticate() could pair a response checked against the old
// password with the new secret. LocalAaa overrides this with one atomic step.
std::variant<Grant, Reject> Aaa::authenticate_challenge(const AuthRequest& request,
                                                        const PasswordCheck& check) {
    auto password = secret_password(request.user, request.service);
    AuthRequest with_password = request;
    if (!password) {
        // Unknown, disabled or not for this service: authenticate() names the reason.
        with_password.password.clear();
        return authenticate(with_password);
    }
    if (!check(*password)) return Reject{RejectReason::WrongPassword, "challenge response"};
    with_password.password = *password;
    return authenticate(with_password);
}

} // namespace vp::aaa
