# Helpers for the OpenVPN end-to-end tests through the appliance (source after lib.sh): a
# certificate authority and certificates made with `vpnctl certificate` (the RouterOS flow of
# the seeds), client profiles written by `vpnctl ovpn profile` and used unchanged, the stock
# Debian openvpn client in its own namespace(s), and the appliance's configuration.

VP_CERTS=

# The seeds' PKI: a CA, a server certificate for the WAN address, client certificates, and a
# foreign CA with a client of its own.
make_pki() { # CLIENT_NAMES...
    VP_CERTS=$E2E_DIR/certificates
    local v="$VPNCTL --store $VP_CERTS certificate"
    $v add name=ca-template common-name=vpnplane-e2e-ca days-valid=30 key-usage=key-cert-sign,crl-sign >/dev/null
    $v sign ca-template name=ca-certificate >/dev/null
    $v add name=server-template common-name=10.1.0.1 subject-alt-name=IP:10.1.0.1 days-valid=30 \
        key-usage=tls-server key-type=ec key-size=prime256v1 >/dev/null
    $v sign server-template ca=ca-certificate name=server-certificate >/dev/null
    local c
    for c in "$@"; do
        $v add name="$c-template" common-name="$c" days-valid=30 key-usage=tls-client key-type=ec \
            key-size=prime256v1 >/dev/null
        $v sign "$c-template" ca=ca-certificate name="$c" >/dev/null
    done
    # A foreign CA and its client (for the "foreign certificate" refusal).
    local f=$E2E_DIR/foreign-store
    "$VPNCTL" --store "$f" certificate add name=fca common-name=foreign-ca key-usage=key-cert-sign,crl-sign >/dev/null
    "$VPNCTL" --store "$f" certificate sign fca name=foreign-ca >/dev/null
    "$VPNCTL" --store "$f" certificate add name=ft common-name=alice key-usage=tls-client key-type=ec key-size=prime256v1 >/dev/null
    "$VPNCTL" --store "$f" certificate sign ft ca=foreign-ca name=foreign-alice >/dev/null
}

# The appliance's configuration with the OpenVPN server; $1 = extra ovpn_server settings,
# $2 = extra secrets, $3 = extra profile settings.
ovpn_config() {
    base_config | sed 's/level = "info";/level = "debug";/' # every message, for the secrets scan
    cat <<CFG
certificates = { store = "$VP_CERTS"; };
ip_pools = ( { name = "vpn"; ranges = "10.2.0.100-10.2.0.150"; } );
ppp_profiles = ( { name = "vpn-profile"; local_address = "10.2.0.1"; remote_address = "vpn";
                   change_tcp_mss = "yes"; ${3:-} } );
ppp_secrets = (
  { name = "alice"; password = "wonderland"; profile = "vpn-profile"; },
  { name = "bob"; password = "builder"; profile = "vpn-profile"; },
  { name = "carol"; password = "singer"; profile = "vpn-profile"; },
  { name = "dave"; password = "dormouse"; profile = "vpn-profile"; disabled = true; }
  ${2:-}
);
ovpn_server = {
  enabled = true; port = 1194; certificate = "server-certificate";
  default_profile = "vpn-profile"; keepalive_timeout = "10s"; push_routes = "10.2.0.0/24";
  ${1:-}
};
CFG
}

# profile USER [vpnctl options...]: writes $E2E_DIR/USER.ovpn with `vpnctl ovpn profile`.
profile() {
    local user=$1
    shift
    "$VPNCTL" -c "$E2E_DIR/vpnplane.cfg" ovpn profile "$user" file-name="$E2E_DIR/$user.ovpn" "$@" 2>/dev/null
}

# start_client NS NAME USER PASSWORD [extra openvpn options...]: the stock client with the
# profile unchanged; credentials and test-only options on the command line.
start_client() {
    local ns=$1 name=$2 user=$3 pass=$4
    shift 4
    printf '%s\n%s\n' "$user" "$pass" >"$E2E_DIR/$name.pass"
    chmod 600 "$E2E_DIR/$name.pass"
    ip netns exec "$ns" openvpn --config "$E2E_DIR/$user.ovpn" --auth-user-pass "$E2E_DIR/$name.pass" \
        --auth-nocache --verb 4 "$@" >"$E2E_DIR/$name.log" 2>&1 &
    E2E_PIDS+=($!)
    eval "CLIENT_$name=$!"
}
client_pid() { eval "echo \${CLIENT_$1}"; }

wait_for() { # SECONDS COMMAND...: polls until COMMAND succeeds
    local seconds=$1
    shift
    local i
    for ((i = 0; i < seconds * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
log_has() { grep -qE "$2" "$E2E_DIR/$1.log" 2>/dev/null; }
connected() { wait_for "${2:-20}" log_has "$1" "Initialization Sequence Completed"; }
session_count() { vpnctl --json sessions | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
sessions_are() { [ "$(session_count)" = "$1" ]; }
