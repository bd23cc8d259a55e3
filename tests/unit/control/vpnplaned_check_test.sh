#!/usr/bin/env bash
# `vpnplaned -c FILE --check` on files the daemon refuses at start-up: each must be refused with
# exit status 1 and the start-up error (file:line: setting: what), and a good file accepted with
# status 0. Needs no root and no DPDK: --check stops before the EAL. Usage: vpnplaned_check_test.sh
# VPNPLANED
set -uo pipefail
VPNPLANED=$1
DIR=$(mktemp -d /tmp/vpnplaned-check.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
FAILURES=0

base() {
    cat <<'CFG'
dpdk = { lcores = "0-1"; no_huge = true; };
interfaces = ( { name = "wan0"; device = "net_null0"; role = "wan"; address = "10.1.0.1/24"; } );
CFG
}

# refused NAME SECTION-TEXT EXPECTED-LINE...: every expected line appears in --check's output.
refused() {
    local name=$1 text=$2
    shift 2
    { base; printf '%s\n' "$text"; } >"$DIR/$name.cfg"
    local out rc=0
    out=$("$VPNPLANED" -c "$DIR/$name.cfg" --check 2>&1) || rc=$?
    local ok=1
    [ "$rc" -eq 1 ] || { echo "  exit status $rc, wanted 1"; ok=0; }
    grep -q 'configuration is valid' <<<"$out" && { echo "  called the file valid"; ok=0; }
    for want in "$@"; do
        grep -qF -- "$DIR/$name.cfg:$want" <<<"$out" || { echo "  missing: $want"; ok=0; }
    done
    if [ "$ok" -eq 1 ]; then
        echo "PASS: $name"
    else
        echo "FAIL: $name; --check said:"
        sed 's/^/    /' <<<"$out"
        FAILURES=$((FAILURES + 1))
    fi
}

refused ovpn_server 'ovpn_server = {
  bogus = 1;
  cipher = "blowfish128";
  default_profile = "nosuch";
  certificate = "server";
};' \
    "4: ovpn_server.bogus: unknown setting" \
    "5: ovpn_server.cipher: 'blowfish128' is not one of:" \
    "6: ovpn_server.default_profile: no profile named 'nosuch'"

refused secret 'ppp_secrets = (
  { name = "alice"; password = "x"; profile = "nosuch"; service = "pptp"; }
);' \
    "4: ppp_secrets.[0].service: 'pptp' is not one of: any, ovpn, sstp" \
    "4: ppp_secrets.[0].profile: no profile named 'nosuch'"

refused sstp_enabled 'sstp_server = {
  enabled = true;
};' \
    "3: sstp_server.certificate: anonymous (ADH) SSTP is not implemented; name a certificate of the store"

refused sstp_unknown 'sstp_server = {
  enabled = false;
  bogus = 1;
};' \
    "5: sstp_server.bogus: unknown setting"

# An unknown transport: one message, not two.
refused ovpn_tcp 'ovpn_server = {
  enabled = true; certificate = "server";
  protocol = "sctp";
};' \
    "5: ovpn_server.protocol: 'sctp' is not one of: udp, tcp, udp,tcp"
tcp_lines=$("$VPNPLANED" -c "$DIR/ovpn_tcp.cfg" --check 2>&1 | grep -c protocol)
if [ "$tcp_lines" -eq 1 ]; then
    echo "PASS: ovpn_tcp is one message"
else
    echo "FAIL: ovpn_tcp gave $tcp_lines messages"
    FAILURES=$((FAILURES + 1))
fi

refused route 'ip = { routes = ( { dst_address = "10.77.0.0/16"; gateway = "10.9.9.9"; } ); };' \
    "3: ip.routes.[0].gateway: 10.9.9.9 is not on any interface's subnet"

# refused_file NAME SECTION-TEXT PATTERN: refused, and the output matches the grep PATTERN (for
# errors about files, which have no line to point at).
refused_file() {
    { base; printf '%s\n' "$2"; } >"$DIR/$1.cfg"
    local out
    if out=$("$VPNPLANED" -c "$DIR/$1.cfg" --check 2>&1); then
        echo "FAIL: $1: accepted"
        FAILURES=$((FAILURES + 1))
    elif grep -q -- "$3" <<<"$out"; then
        echo "PASS: $1"
    else
        echo "FAIL: $1: $out"
        FAILURES=$((FAILURES + 1))
    fi
}
# The credentials of an enabled server are loaded as at start-up.
refused_file credentials "ovpn_server = { enabled = true; certificate_file = \"$DIR/none.crt\"; };" \
    "^ovpn_server: .*$DIR/none.crt"
# Perf mode's sessions file is read as at start-up ("perf: " and the file's own error).
refused_file perf "perf = { enabled = true; sessions_file = \"$DIR/none.json\"; };" \
    "^perf: .*$DIR/none.json"

{ base; printf 'ppp_profiles = ( { name = "vpn-profile.1"; } );\n'
  printf 'ovpn_server = { enabled = false; certificate = "server"; default_profile = "vpn-profile.1"; };\n'
  printf 'sstp_server = { enabled = false; port = 443; authentication = "mschap2"; };\n'; } \
    >"$DIR/good.cfg"
if out=$("$VPNPLANED" -c "$DIR/good.cfg" --check 2>&1) && grep -q "configuration is valid" <<<"$out"; then
    echo "PASS: a good file is valid"
else
    echo "FAIL: a good file: $out"
    FAILURES=$((FAILURES + 1))
fi

[ "$FAILURES" -eq 0 ] || { echo "$FAILURES check(s) failed"; exit 1; }
echo "all checks passed"
