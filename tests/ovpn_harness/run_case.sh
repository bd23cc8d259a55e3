#!/bin/bash
# Real-client tests of the OpenVPN control plane: Debian's openvpn 2.6 client against
# tests/ovpn_harness (vp::ovpn::Server + a UDP-socket dataplane with an EVP data channel) inside
# a private network namespace. Usage: run_case.sh <ovpn_harness binary> <case>
# Exit status: 0 pass, 1 fail, 77 skip (not root, no openvpn, no netns). KEEP=1 keeps the files.
HARNESS=$1
CASE=$2
source "$(dirname "$0")/lib.sh"

# --- cipher negotiation ---------------------------------------------------------------------

ncp_case() { # server cipher list, expected cipher, extra client lines
    write_server_conf "cipher = \"$1\";"
    start_server
    write_client_conf c "$3"
    start_client c
    wait_connected c
    wait_log harness "authenticated, tunnel address 10.8.0.2, $2\b" 5 ||
        fail "$2 was not negotiated"
    grep -q "Data Channel: cipher '$2'" "$DIR/c.log" || fail "the client does not use $2"
    ping_server 5
    pass "$2 negotiated by NCP, pings answered"
}

case_ncp_aes256gcm() { ncp_case "aes256-gcm,aes128-gcm,chacha20-poly1305" AES-256-GCM ""; }
case_ncp_aes128gcm() { ncp_case "aes128-gcm,aes256-gcm" AES-128-GCM ""; }
case_ncp_chacha20() { ncp_case "chacha20-poly1305,aes256-gcm" CHACHA20-POLY1305 ""; }
# The seeds' client profile (cipher AES-128-CBC, auth SHA1) against the default server: OpenVPN
# 2.6 ignores --cipher for negotiation, so NCP upgrades it to AES-256-GCM.
case_seed_profile_default_server() {
    ncp_case "aes256-gcm,aes128-gcm,chacha20-poly1305,aes256-cbc,aes128-cbc" AES-256-GCM \
        $'cipher AES-128-CBC\nauth SHA1'
}

# TLS-EKM over TLS 1.2 (the exporter works with both versions).
case_tls12_ekm() {
    write_server_conf ""
    start_server
    write_client_conf c "tls-version-max 1.2"
    start_client c
    wait_connected c
    wait_log harness "TLSv1\.2" 2 || fail "the client did not use TLS 1.2"
    wait_log harness "keys by TLS-EKM" 2 || fail "TLS-EKM was not used"
    ping_server 3
    pass "TLS 1.2 with TLS-EKM keys, pings answered"
}

# --- RouterOS-era CBC configurations (legacy PRF, HMAC from `auth`) --------------------------

legacy_case() { # server cipher, server auth, expected "CIPHER DIGEST", client lines
    write_server_conf "cipher = \"$1\"; auth = \"$2\"; tls_ekm = false;"
    start_server
    write_client_conf c "$4"
    start_client c
    wait_connected c
    wait_log harness "authenticated, tunnel address 10\.8\.0\.2, $3, keys by legacy PRF" 5 ||
        fail "expected $3 with the legacy PRF"
    ping_server 5
    echo "PASS: $3 with legacy PRF key derivation, pings answered"
}

# The seed profile as OpenVPN 2.6 still honours it: --compat-mode 2.4.0 puts --cipher back
# into the negotiable list (OpenVPN's documented migration path).
case_legacy_aes128cbc_sha1() {
    legacy_case aes128-cbc sha1 "AES-128-CBC SHA1" \
        $'cipher AES-128-CBC\nauth SHA1\ncompat-mode 2.4.0'
}
# As close to a RouterOS client as openvpn 2.6 gets: TLS 1.2 only, CBC, HMAC-SHA256, PRF keys.
case_legacy_aes256cbc_sha256() {
    legacy_case aes256-cbc sha256 "AES-256-CBC SHA256" \
        $'cipher AES-256-CBC\nauth SHA256\ndata-ciphers AES-256-CBC\ndata-ciphers-fallback AES-256-CBC\ntls-version-max 1.2'
    wait_log harness "TLSv1\.2" 1 || fail "the client did not use TLS 1.2"
}

# --- control-channel wrapping -----------------------------------------------------------------

wrap_case() { # server setting, client line, description
    write_server_conf "$1"
    start_server
    write_client_conf c "$2"
    start_client c
    wait_connected c
    wait_log harness "new session \($3" 2 || fail "the session is not wrapped with $3"
    ping_server 3
    pass "$3: connected, pings answered"
}

case_tls_auth() {
    openvpn --genkey secret "$DIR/ta.key" >/dev/null 2>&1 || fail "openvpn --genkey secret"
    wrap_case "tls_auth = { key = \"$DIR/ta.key\"; direction = \"0\"; };" \
        "tls-auth $DIR/ta.key 1" tls-auth
}
case_tls_crypt() {
    openvpn --genkey secret "$DIR/tc.key" >/dev/null 2>&1 || fail "openvpn --genkey secret"
    wrap_case "tls_crypt = \"$DIR/tc.key\";" "tls-crypt $DIR/tc.key" tls-crypt
}
case_tls_crypt_v2() {
    openvpn --genkey tls-crypt-v2-server "$DIR/v2s.key" >/dev/null 2>&1 &&
        openvpn --genkey tls-crypt-v2-client "$DIR/v2c.key" --tls-crypt-v2 "$DIR/v2s.key" \
            >/dev/null 2>&1 || fail "openvpn --genkey tls-crypt-v2"
    wrap_case "tls_crypt_v2 = \"$DIR/v2s.key\";" "tls-crypt-v2 $DIR/v2c.key" tls-crypt-v2
}

# --- authentication failures -------------------------------------------------------------------

auth_fail_case() { # user, password, expected server log reason
    write_server_conf "" ', { name = "carol"; password = "caterpillar"; disabled = true; }'
    start_server
    write_client_conf c "" "$1" "$2"
    start_client c
    wait_log c "AUTH: Received control message: AUTH_FAILED" 15 || fail "the client saw no AUTH_FAILED"
    wait_log harness "authentication failed: $3" 2 || fail "the server log does not say '$3'"
    wait_log c "process exiting" 5 || fail "the client did not give up"
    sessions_are "0 session\(s\), 0 grant\(s\), 0 address\(es\)"
    pass "AUTH_FAILED sent, reason '$3' logged"
}

case_auth_wrong_password() { auth_fail_case alice hatter-guess "wrong password"; }
case_auth_unknown_user() { auth_fail_case mallory queen-of-hearts "unknown user"; }
case_auth_disabled_secret() { auth_fail_case carol caterpillar "secret disabled"; }

cert_fail_case() { # client cert lines, expected server log reason
    write_server_conf "require_client_certificate = true;"
    start_server
    write_client_conf c "$1"
    start_client c
    wait_log harness "TLS handshake failed \(key id 0\): .*$2" 15 ||
        fail "the server did not log '$2'"
    wait_log c "fatal SSL alert|TLS Error|TLS handshake failed" 10 ||
        fail "the client did not see the handshake fail"
    grep -q "Initialization Sequence Completed" "$DIR/c.log" && fail "the client connected"
    sessions_are "0 session\(s\), 0 grant\(s\), 0 address\(es\)"
    pass "handshake refused: $2"
}

case_cert_missing() { cert_fail_case "" "peer did not return a certificate"; }
case_cert_foreign() {
    cert_fail_case $'cert '"$DIR"$'/pki/foreign.crt\nkey '"$DIR"'/pki/foreign.key' \
        "certificate verify failed"
}
case_cert_revoked() {
    make_crl
    write_server_conf "require_client_certificate = true; crl_file = \"$DIR/pki/crl.pem\";"
    start_server
    write_client_conf c $'cert '"$DIR"$'/pki/client.crt\nkey '"$DIR"'/pki/client.key'
    start_client c
    wait_log harness "TLS handshake failed \(key id 0\): .*certificate revoked" 15 ||
        fail "the revoked certificate was not refused"
    grep -q "Initialization Sequence Completed" "$DIR/c.log" && fail "the client connected"
    pass "revoked client certificate refused (CRL)"
}

case_cert_required_ok() {
    write_server_conf "require_client_certificate = true;"
    start_server
    write_client_conf c $'cert '"$DIR"$'/pki/client.crt\nkey '"$DIR"'/pki/client.key'
    start_client c
    wait_connected c
    wait_log harness "certificate CN=alice" 2 || fail "the client certificate was not logged"
    ping_server 3
    pass "client certificate verified, connected"
}

# --- renegotiation -----------------------------------------------------------------------------

reneg_case() { # server settings, client lines, log pattern, who
    write_server_conf "$1"
    start_server
    write_client_conf c "$2"
    start_client c
    wait_connected c
    # ~23 s of pings across at least two key changes; none may be lost.
    ip netns exec "$NS" ping -c 92 -i 0.25 -W 2 10.8.0.1 >"$DIR/ping.log" 2>&1
    grep -q " 0% packet loss" "$DIR/ping.log" || fail "pings lost: $(tail -2 "$DIR/ping.log")"
    local n
    n=$(count_log harness "now sending with key id")
    [ "$n" -ge 2 ] || fail "expected at least 2 key changes, saw $n"
    grep -qE "$3" "$DIR/harness.log" || fail "renegotiations were not started by the $4"
    sessions_are "1 session\(s\), 1 grant\(s\), 1 address\(es\)"
    pass "$n key changes started by the $4, 92 pings, none lost"
}

case_reneg_client() { reneg_case "" "reneg-sec 10" "client renegotiates" client; }
case_reneg_server() { reneg_case 'reneg_sec = "10s";' "" "renegotiating \(reneg-sec\)" server; }

# --- session end ---------------------------------------------------------------------------------

case_keepalive_expiry() {
    write_server_conf 'keepalive_timeout = "6s";'
    start_server
    write_client_conf c ""
    start_client c
    wait_connected c
    ping_server 2
    stop_client c KILL
    local t0=$SECONDS
    wait_log harness "keepalive timeout" 12 || fail "the session did not expire"
    local dt=$((SECONDS - t0))
    [ "$dt" -ge 4 ] || fail "the session expired too early (${dt} s)"
    sessions_are "0 session\(s\), 0 grant\(s\), 0 address\(es\)"
    pass "killed client expired after ~${dt} s (keepalive 6 s), address returned"
}

case_explicit_exit() {
    write_server_conf ""
    start_server
    write_client_conf c "explicit-exit-notify 1"
    start_client c
    wait_connected c
    stop_client c TERM
    wait_log harness "client exited \(EXIT\)" 3 || fail "no EXIT on the control channel"
    sessions_are "0 session\(s\), 0 grant\(s\), 0 address\(es\)"
    pass "EXIT (cc-exit) removed the session at once"
}

# Clients that do not take protocol-flags send OCC EXIT on the data channel instead.
case_explicit_exit_occ() {
    write_server_conf "tls_ekm = false;"
    start_server
    write_client_conf c $'explicit-exit-notify 1\npull-filter ignore "protocol-flags"'
    start_client c
    wait_connected c
    ping_server 2
    stop_client c TERM
    wait_log harness "client exited \(explicit-exit-notify\)" 3 || fail "no OCC EXIT seen"
    sessions_are "0 session\(s\), 0 grant\(s\), 0 address\(es\)"
    pass "OCC EXIT on the data channel removed the session at once"
}

case_only_one_reconnect() {
    write_server_conf "" "" "only_one = true;"
    start_server
    write_client_conf c ""
    start_client c
    wait_connected c
    stop_client c KILL # no goodbye: the old session stays until it expires...
    write_client_conf d ""
    start_client d # ...but the same user reconnecting from the same address replaces it
    wait_connected d
    wait_log harness "replaced by a new connection of user 'alice'" 2 ||
        fail "the old session was not replaced"
    ping_server 3
    sessions_are "1 session\(s\), 1 grant\(s\), 1 address\(es\)"
    # A second client with the same credentials from another address is refused (only-one).
    ip -n "$NS" addr add 127.0.0.2/8 dev lo
    write_client_conf e $'local 127.0.0.2\nlport 0'
    sed -i '/^nobind$/d' "$DIR/e.conf"
    start_client e
    wait_log e "AUTH_FAILED" 15 || fail "a second concurrent login was not refused"
    wait_log harness "already connected \(only-one\)" 2 || fail "only-one was not the reason"
    sessions_are "1 session\(s\), 1 grant\(s\), 1 address\(es\)"
    pass "reconnect replaced the stale session; a concurrent login was refused"
}

case_disconnect() {
    write_server_conf ""
    start_server
    write_client_conf c ""
    start_client c
    wait_connected c
    kill -HUP "$HARNESS_PID" # the harness asks the server to disconnect everyone
    wait_log harness "disconnected by the administrator" 3 || fail "no disconnect"
    wait_log c "server-pushed-connection-reset|RESTART" 5 || fail "the client got no RESTART"
    wait_log harness "peer 1 .*authenticated" 20 || fail "the client did not reconnect"
    pass "RESTART sent, client reconnected"
}

# ------------------------------------------------------------------------------------------------
declare -F "case_$CASE" >/dev/null || { echo "unknown case '$CASE'"; exit 2; }
preflight
make_pki
"case_$CASE"
