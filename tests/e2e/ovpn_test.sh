#!/usr/bin/env bash
# OpenVPN end to end through the appliance: the stock Debian openvpn 2.6 client in client
# namespaces, vpnplaned on net_af_packet veths, a LAN namespace with ping and iperf3. The
# certificates are made with `vpnctl certificate` and the client profiles with `vpnctl ovpn
# profile`, used unchanged (credentials and test-only options go on the command line).
#
#   tests/e2e/ovpn_test.sh CASE      (CASE: see the case_* functions; needs root)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
CASE=${1:?usage: ovpn_test.sh CASE}
E2E_TAG=${E2E_TAG:-$(printf 'o%04x' $(($$ % 65536)))}
e2e_init "ovpn-$CASE"
e2e_require openvpn iperf3
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn client needs a tun device)"

lan() { in_lan "$@"; }

start() { # CLIENT_NAMESPACES OVPN_SETTINGS [SECRETS] [PROFILE_SETTINGS]
    make_topology "$1"
    make_pki alice bob carol
    ovpn_config "${2:-}" "${3:-}" "${4:-}" >"$E2E_DIR/vpnplane.cfg"
    start_daemon "$E2E_DIR/vpnplane.cfg"
}

# --- traffic ---------------------------------------------------------------------------------

case_traffic() {
    start 1 'max_mtu = 1400;'
    check "vpnctl ovpn profile writes a profile" profile alice
    start_client "$NS_CLIENT" alice alice wonderland
    check "the client connects (AES-256-GCM by NCP)" connected alice
    check "the client negotiated AES-256-GCM" log_has alice "Data Channel: cipher 'AES-256-GCM'"
    check "client pings the server's tunnel address" in_client ping -c 3 -i 0.2 -W 2 10.2.0.1
    check "client pings the LAN host" in_client ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "the LAN host (no route of its own) pings the client: proxy-ARP" lan ping -c 5 -i 0.2 -W 2 10.2.0.100
    check "a 1500-byte ping without DF crosses the 1400-byte tunnel in fragments, both ways" \
        lan ping -c 3 -i 0.2 -W 2 -s 1472 -M dont 10.2.0.100
    check "the worker fragmented the LAN side's packets before encapsulation" \
        test "$(json_value workers "r['worker0']['fragments_sent']")" -ge 3
    check "the LAN host has no route to the client's address beyond its subnet" \
        bash -c "! ip netns exec $NS_LAN ip route get 10.2.0.100 | grep -q via"
    lan iperf3 -s -D -p 5201 >/dev/null 2>&1
    sleep 0.5
    check "iperf3 TCP client -> LAN" in_client iperf3 -c 10.2.0.2 -p 5201 -t 3 -J --logfile "$E2E_DIR/iperf-tcp.json"
    check "iperf3 TCP LAN -> client (reverse)" in_client iperf3 -c 10.2.0.2 -p 5201 -t 3 -R -J --logfile "$E2E_DIR/iperf-rev.json"
    check "iperf3 UDP 50 Mbit/s" in_client iperf3 -c 10.2.0.2 -p 5201 -u -b 50M -t 3 -J --logfile "$E2E_DIR/iperf-udp.json"
    check "UDP loss below 5 %" /usr/bin/python3 -c "
import json; r = json.load(open('$E2E_DIR/iperf-udp.json'))
assert r['end']['sum']['lost_percent'] < 5, r['end']['sum']['lost_percent']"
    # MSS clamping: a SYN from the LAN host to the client arrives with MSS = 1400 - 40.
    in_client bash -c "timeout 5 tcpdump -ni tun0 -c 1 'tcp[tcpflags] & tcp-syn != 0' -w $E2E_DIR/syn.pcap" >/dev/null 2>&1 &
    local dump=$!
    sleep 1
    lan bash -c 'nc -z -w 2 10.2.0.100 7777' || true
    wait $dump || true
    check "the LAN host's SYN reached the client with its MSS clamped to 1360" bash -c \
        "tcpdump -nr $E2E_DIR/syn.pcap -v 2>/dev/null | grep -q 'mss 1360'"
    check "vpnctl sessions lists the session like /ppp active" bash -c \
        "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E 'alice +ovpn +10\.1\.0\.2:[0-9]+ +10\.2\.0\.100 .*AES-256-GCM'"
    check "the session counted traffic both ways" test "$(vpnctl --json sessions | /usr/bin/python3 -c \
        'import json,sys; s=list(json.load(sys.stdin).values())[0]; print(min(s["rx_bytes"], s["tx_bytes"]))')" -gt 1000000
    check "no authentication, replay or anti-spoofing drops" test "$(json_value drops \
        "r['ovpn_auth_failed'] + r['ovpn_replay'] + r['anti_spoof'] + r['ovpn_no_key']")" -eq 0
}

case_three_clients() {
    start 3 ''
    profile alice
    profile bob
    profile carol
    start_client "$(client_ns 1)" alice alice wonderland
    start_client "$(client_ns 2)" bob bob builder
    start_client "$(client_ns 3)" carol carol singer
    check "client 1 connects" connected alice
    check "client 2 connects" connected bob
    check "client 3 connects" connected carol
    check "three sessions" wait_for 5 sessions_are 3
    check "distinct tunnel addresses" test "$(vpnctl --json sessions | /usr/bin/python3 -c \
        'import json,sys; print(len({s["address"] for s in json.load(sys.stdin).values()}))')" -eq 3
    local i
    for i in 1 2 3; do
        check "client $i pings the LAN host" ip netns exec "$(client_ns "$i")" ping -c 3 -i 0.2 -W 2 10.2.0.2
    done
    for a in 10.2.0.100 10.2.0.101 10.2.0.102; do
        check "the LAN host reaches $a" lan ping -c 2 -i 0.2 -W 2 "$a"
    done
}

# --- ciphers ---------------------------------------------------------------------------------

cipher_case() { # SERVER_CIPHERS SERVER_AUTH EXPECTED [SERVER_SETTINGS] CLIENT_OPTIONS...
    local ciphers=$1 auth=$2 expected=$3 extra=${4:-}
    shift 4
    start 1 "cipher = \"$ciphers\"; auth = \"$auth\"; $extra"
    profile alice
    start_client "$NS_CLIENT" alice alice wonderland "$@"
    check "connects with $expected" connected alice
    check "the data channel uses $expected" log_has alice "Data Channel: cipher '$expected'"
    check "pings through $expected" in_client ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "vpnctl shows $expected" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -q '$expected'"
}

case_aes128gcm() { cipher_case "aes128-gcm,aes256-gcm" sha1 AES-128-GCM ""; }
case_chacha20() { cipher_case "chacha20-poly1305,aes256-gcm" sha1 CHACHA20-POLY1305 ""; }
# The seeds' RouterOS-era clients: no NCP (compat-mode 2.3), a fixed CBC cipher and HMAC. With
# tls_ekm off the keys come from the legacy PRF, as for MikroTik clients, which lack TLS-EKM.
case_legacy_aes128cbc_sha1() {
    cipher_case "aes128-cbc" sha1 AES-128-CBC "tls_ekm = false;" \
        --compat-mode 2.3.0 --cipher AES-128-CBC --auth SHA1
    check "keys from the legacy PRF" grep -q "keys by legacy PRF" "$E2E_DIR/vpnplaned.log"
}
case_legacy_aes256cbc_sha256() {
    cipher_case "aes256-cbc" sha256 AES-256-CBC "" --compat-mode 2.3.0 --cipher AES-256-CBC --auth SHA256
}

# --- control-channel wrapping ------------------------------------------------------------------

wrap_case() { # KIND (tls_auth | tls_crypt | tls_crypt_v2) GENKEY-TYPE SETTING
    make_topology 1
    make_pki alice
    "$VPNCTL" ovpn genkey "$2" "$E2E_DIR/$1.key" 2>/dev/null
    ovpn_config "$3" >"$E2E_DIR/vpnplane.cfg"
    start_daemon "$E2E_DIR/vpnplane.cfg"
    check "vpnctl ovpn profile embeds the $1 key" bash -c "$(declare -f profile); VPNCTL=$VPNCTL E2E_DIR=$E2E_DIR profile alice && grep -q '<${1//_/-}>' $E2E_DIR/alice.ovpn"
    start_client "$NS_CLIENT" alice alice wonderland
    check "connects with $1" connected alice
    check "pings with $1" in_client ping -c 3 -i 0.2 -W 2 10.2.0.2
}
case_tls_auth() { wrap_case tls_auth secret "tls_auth = { key = \"$E2E_DIR/tls_auth.key\"; direction = \"0\"; };"; }
case_tls_crypt() { wrap_case tls_crypt secret "tls_crypt = \"$E2E_DIR/tls_crypt.key\";"; }
case_tls_crypt_v2() { wrap_case tls_crypt_v2 tls-crypt-v2-server "tls_crypt_v2 = \"$E2E_DIR/tls_crypt_v2.key\";"; }

# --- refusals ----------------------------------------------------------------------------------

case_refusals() {
    start 1 'require_client_certificate = true;'
    profile alice
    start_client "$NS_CLIENT" wrong alice not-the-password
    check "wrong password: AUTH_FAILED" wait_for 20 log_has wrong "AUTH_FAILED"
    check "the log names the reason (wrong password)" grep -q "wrong password" "$E2E_DIR/vpnplaned.log"
    kill "$(client_pid wrong)" 2>/dev/null || true
    cp "$E2E_DIR/alice.ovpn" "$E2E_DIR/mallory.ovpn"
    start_client "$NS_CLIENT" mallory mallory whatever
    check "unknown user: AUTH_FAILED" wait_for 20 log_has mallory "AUTH_FAILED"
    check "the log names the reason (unknown user)" grep -q "unknown user" "$E2E_DIR/vpnplaned.log"
    kill "$(client_pid mallory)" 2>/dev/null || true
    cp "$E2E_DIR/alice.ovpn" "$E2E_DIR/dave.ovpn"
    start_client "$NS_CLIENT" dave dave dormouse
    check "disabled secret: AUTH_FAILED" wait_for 20 log_has dave "AUTH_FAILED"
    check "the log names the reason (secret disabled)" grep -q "secret disabled" "$E2E_DIR/vpnplaned.log"
    kill "$(client_pid dave)" 2>/dev/null || true
    # No client certificate while one is required: the TLS handshake fails.
    sed -n '/<cert>/,/<\/key>/!p' "$E2E_DIR/alice.ovpn" >"$E2E_DIR/nocert.ovpn"
    cp "$E2E_DIR/nocert.ovpn" "$E2E_DIR/bob.ovpn"
    start_client "$NS_CLIENT" nocert bob builder
    check "missing client certificate: the handshake fails" wait_for 20 log_has nocert "SSL alert|TLS Error|TLS handshake failed"
    check "the log names the reason (no client certificate)" grep -q "did not return a certificate" "$E2E_DIR/vpnplaned.log"
    kill "$(client_pid nocert)" 2>/dev/null || true
    # A certificate from another CA.
    {
        sed -n '1,/<cert>/p' "$E2E_DIR/alice.ovpn"
        cat "$E2E_DIR/foreign-store/certs/foreign-alice.crt"
        echo '</cert>'
        echo '<key>'
        cat "$E2E_DIR/foreign-store/private/foreign-alice.key"
        echo '</key>'
    } >"$E2E_DIR/foreign.ovpn"
    cp "$E2E_DIR/foreign.ovpn" "$E2E_DIR/carol.ovpn"
    start_client "$NS_CLIENT" foreign carol singer
    check "foreign client certificate: the handshake fails" wait_for 20 log_has foreign "SSL alert|TLS Error|TLS handshake failed"
    check "the log names the reason (unknown CA)" wait_for 5 grep -qE "TLS handshake failed.*(unable to get local issuer|verify|unknown ca)" "$E2E_DIR/vpnplaned.log"
    check "no session remains (failed ones go within seconds)" wait_for 10 sessions_are 0
}

# A revoked certificate is refused once the running server reloads the store's CRL.
case_revocation() {
    start 1 'require_client_certificate = true;'
    profile bob
    start_client "$NS_CLIENT" before bob builder
    check "bob connects before the revocation" connected before
    kill "$(client_pid before)" 2>/dev/null || true
    wait "$(client_pid before)" 2>/dev/null || true
    "$VPNCTL" --store "$VP_CERTS" certificate revoke bob >/dev/null
    "$VPNCTL" --store "$VP_CERTS" certificate crl ca-certificate >/dev/null
    check "vpnctl reload picks up the new CRL" vpnctl reload
    start_client "$NS_CLIENT" after bob builder
    check "the revoked certificate is refused" wait_for 20 log_has after "SSL alert|TLS Error|TLS handshake failed"
    check "the log says it was revoked" wait_for 5 grep -q "certificate revoked" "$E2E_DIR/vpnplaned.log"
}

# --- renegotiation and lifecycle -----------------------------------------------------------------

case_reneg() {
    start 1 'reneg_sec = "1h";'
    profile alice
    start_client "$NS_CLIENT" alice alice wonderland --reneg-sec 10
    check "connects" connected alice
    lan iperf3 -s -D -p 5201 >/dev/null 2>&1
    sleep 0.5
    check "iperf3 for 25 s across renegotiations every 10 s" in_client iperf3 -c 10.2.0.2 -p 5201 -t 25 -J --logfile "$E2E_DIR/iperf.json"
    check "at least two renegotiations" test "$(json_value ovpn "r['renegotiations']")" -ge 2
    check "the session survived (one session, never re-created)" test "$(json_value ovpn "r['sessions_created']")" -eq 1
    check "throughput stayed up" /usr/bin/python3 -c "
import json; r = json.load(open('$E2E_DIR/iperf.json'))
assert min(i['sum']['bits_per_second'] for i in r['intervals'][1:]) > 1e6"
    check "pings still pass" in_client ping -c 3 -i 0.2 -W 2 10.2.0.2
}

case_server_reneg() {
    start 1 'reneg_sec = 8;'
    profile alice
    start_client "$NS_CLIENT" alice alice wonderland
    check "connects" connected alice
    check "server-started renegotiation within 20 s" wait_for 20 bash -c "[ \$($VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 --json ovpn | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"renegotiations\"])') -ge 1 ]"
    check "pings after the new key" in_client ping -c 5 -i 0.2 -W 2 10.2.0.2
}

case_lifecycle() {
    start 1 '' '' 'only_one = "yes";'
    profile alice
    # A client killed without notice expires after the keepalive timeout (10 s).
    start_client "$NS_CLIENT" first alice wonderland
    check "connects" connected first
    kill -KILL "$(client_pid first)"
    wait "$(client_pid first)" 2>/dev/null || true
    check "still listed right after the kill" sessions_are 1
    check "expires after the keepalive timeout" wait_for 25 sessions_are 0
    check "its address went back to the pool" test "$(json_value pools "[p['used'] for p in r.values() if p['name'] == 'vpn'][0]")" -eq 0
    # Explicit exit removes the session at once.
    start_client "$NS_CLIENT" second alice wonderland --explicit-exit-notify 2
    check "connects again" connected second
    kill -TERM "$(client_pid second)"
    check "explicit exit removes the session at once" wait_for 3 sessions_are 0
    # only_one: reconnecting with the same credentials replaces the old session.
    start_client "$NS_CLIENT" third alice wonderland
    check "connects (only_one)" connected third
    kill -KILL "$(client_pid third)"
    wait "$(client_pid third)" 2>/dev/null || true
    wait_for 5 bash -c "! ip netns exec $NS_CLIENT ip link show tun0" || true
    start_client "$NS_CLIENT" fourth alice wonderland
    check "reconnects under only_one" connected fourth
    check "one session for alice" wait_for 10 sessions_are 1
    check "pings after the reconnect" in_client ping -c 3 -i 0.2 -W 2 10.2.0.2
    # vpnctl disconnect ends the session; the client is told to restart.
    check "vpnctl disconnect alice" vpnctl disconnect alice
    check "the client was told to restart" wait_for 10 log_has fourth "RESTART|SIGUSR1"
}

# --- profile and secret limits ----------------------------------------------------------------

# iperf3's receiver-side rate (bits/s) from a JSON log.
iperf_rate() { /usr/bin/python3 -c "import json; print(int(json.load(open('$1'))['end']['sum_received']['bits_per_second']))"; }
# The ratio measured / limit, to two decimals.
ratio() { /usr/bin/python3 -c "print(f'{$1 / $2:.2f}')"; }
ended_because() { vpnctl sessions | grep -E "^ *[0-9]+ +$1 .*$2"; }

case_limits() {
    # Four clients, one per limit; the short timeouts live in profiles of their own (the helper
    # closes vpn-profile's braces and opens more entries).
    start 4 '' '
  , { name = "slow"; password = "turtle"; profile = "vpn-profile"; rate_limit = "4M/2M"; }
  , { name = "short"; password = "brief"; profile = "short"; }
  , { name = "sleepy"; password = "dozing"; profile = "sleepy"; }
  , { name = "counted"; password = "metered"; profile = "vpn-profile"; limit_bytes_in = 200000; }' \
        '}, { name = "short"; local_address = "10.2.0.1"; remote_address = "vpn"; session_timeout = "4s"; },
         { name = "sleepy"; local_address = "10.2.0.1"; remote_address = "vpn"; idle_timeout = "3s";'
    profile alice
    local u
    for u in slow short sleepy counted; do cp "$E2E_DIR/alice.ovpn" "$E2E_DIR/$u.ovpn"; done
    start_client "$(client_ns 1)" slow slow turtle
    start_client "$(client_ns 2)" short short brief
    start_client "$(client_ns 3)" sleepy sleepy dozing
    start_client "$(client_ns 4)" counted counted metered
    check "the rate-limited client connects" connected slow
    check "vpnctl sessions shows the rate limit" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E ' slow .* 4M/2M '"
    check "the byte-limited client connects" connected counted
    check "vpnctl sessions shows the bytes limit_bytes_in leaves" test "$(vpnctl --json sessions | /usr/bin/python3 -c \
        'import json,sys; print([s for s in json.load(sys.stdin).values() if s["name"] == "counted"][0]["bytes_in_left"])')" -le 200000
    lan iperf3 -s -D -p 5201 >/dev/null 2>&1
    sleep 0.5
    local ns1; ns1=$(client_ns 1)
    check "iperf3 upload through the 4M rx limit" ip netns exec "$ns1" iperf3 -c 10.2.0.2 -p 5201 -t 4 -J --logfile "$E2E_DIR/up.json"
    check "iperf3 download through the 2M tx limit" ip netns exec "$ns1" iperf3 -c 10.2.0.2 -p 5201 -t 4 -R -J --logfile "$E2E_DIR/down.json"
    local up down
    up=$(iperf_rate "$E2E_DIR/up.json")
    down=$(iperf_rate "$E2E_DIR/down.json")
    echo "rate_limit 4M/2M: upload $up bit/s ($(ratio "$up" 4000000) x), download $down bit/s ($(ratio "$down" 2000000) x)"
    check "upload at most 1.3x the 4M limit" test "$up" -le 5200000
    check "download at most 1.3x the 2M limit" test "$down" -le 2600000
    check "TCP reaches at least half the limit both ways" test "$up" -ge 2000000 -a "$down" -ge 1000000
    check "the limiter dropped packets (drop reason session_rate_limited)" \
        test "$(json_value drops "r['session_rate_limited']")" -gt 0
    check "per-session limiter drops in both directions" test "$(vpnctl --json sessions | /usr/bin/python3 -c \
        'import json,sys; s=[s for s in json.load(sys.stdin).values() if s["name"] == "slow"][0]; print(min(s["rate_limit_dropped_rx"], s["rate_limit_dropped_tx"]))')" -gt 0
    # limit_bytes_in: 300 kB of pings from the client end the session at 200 kB.
    ip netns exec "$(client_ns 4)" ping -q -c 250 -i 0.01 -s 1200 -W 1 10.2.0.2 >/dev/null 2>&1 || true
    check "limit_bytes_in ends the session, shown in vpnctl sessions" \
        wait_for 5 ended_because counted "limit-bytes-in 200000 bytes"
    check "session_timeout ends the session, shown in vpnctl sessions" \
        wait_for 15 ended_because short "session-timeout 4 s"
    check "idle_timeout ends the session (keepalive pings are not activity)" \
        wait_for 15 ended_because sleepy "idle-timeout 3 s"
    vpnctl sessions # for the test log: the limits, the drops and the history as an operator sees them
    check "the reasons are in the log" grep -q "session-timeout 4 s reached" "$E2E_DIR/vpnplaned.log"
    check "the client was told to restart" log_has short "RESTART|SIGUSR1"
}

# --- live rate-limit reload -------------------------------------------------------------------

# iperf3 UDP at 1.5 times LIMIT (bit/s) through the session for 4 s; prints the received rate.
# DIRECTION: up (client -> LAN, the session's rx limit) or down (-R: LAN -> client, tx).
udp_rate() { # DIRECTION LIMIT NAME
    local reverse=
    [ "$1" = down ] && reverse=-R
    in_client iperf3 -c 10.2.0.2 -p 5201 -u -b $(($2 * 3 / 2)) -l 1200 -t 4 $reverse -J \
        --logfile "$E2E_DIR/$3.json" >/dev/null 2>&1 || true
    /usr/bin/python3 -c "import json; print(int(json.load(open('$E2E_DIR/$3.json'))['end']['sum_received']['bits_per_second']))" 2>/dev/null || echo 0
}
within() { # RATE LIMIT: 0.7 <= RATE/LIMIT <= 1.15
    /usr/bin/python3 -c "import sys; r = $1 / $2; sys.exit(0 if 0.7 <= r <= 1.15 else 1)"
}
session_field() { # FIELD: alice's session's field in vpnctl --json sessions ("id": its key)
    vpnctl --json sessions | /usr/bin/python3 -c "import json,sys
print([k if '$1' == 'id' else s['$1'] for k, s in json.load(sys.stdin).items() if s['name'] == 'alice'][0])"
}
at_most() { # RATE LIMIT: RATE/LIMIT <= 1.15 (the limit holds)
    /usr/bin/python3 -c "import sys; sys.exit(0 if $1 / $2 <= 1.15 else 1)"
}

case_reload_rate_limit() {
    # The profile's rate_limit is 1M/1M; a reload raises it to 3M/3M while alice stays connected.
    e2e_require promtool
    start 1 '' '' 'rate_limit = "1M/1M";'
    profile alice
    start_client "$NS_CLIENT" alice alice wonderland
    check "the client connects" connected alice
    check "vpnctl sessions shows 1M/1M" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E ' alice .* 1M/1M '"
    lan iperf3 -s -D -p 5201 >/dev/null 2>&1
    sleep 0.5
    local id uptime down up
    id=$(session_field id 2>/dev/null || echo none)
    uptime=$(session_field uptime_s 2>/dev/null || echo 0)
    down=$(udp_rate down 1000000 down-before)
    up=$(udp_rate up 1000000 up-before)
    echo "rate_limit 1M/1M: download $down bit/s ($(ratio "$down" 1000000) x), upload $up bit/s ($(ratio "$up" 1000000) x)"
    # Before the reload only the ceiling is asserted: the point is the change that follows.
    check "download held to the 1M limit (at most 1.15x)" at_most "$down" 1000000
    check "upload held to the 1M limit (at most 1.15x)" at_most "$up" 1000000

    sed -i 's|rate_limit = "1M/1M";|rate_limit = "3M/3M";|' "$E2E_DIR/vpnplane.cfg"
    local rc=0
    vpnctl reload >"$E2E_DIR/reload.out" 2>&1 || rc=$?
    cat "$E2E_DIR/reload.out"
    check "vpnctl reload applies everything (exit 0)" test "$rc" -eq 0
    check "the reload reports the live session's new rate-limit" \
        grep -q 'rate_limit: applied to 1 live session(s)' "$E2E_DIR/reload.out"
    check "vpnctl sessions shows 3M/3M" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E ' alice .* 3M/3M '"
    down=$(udp_rate down 3000000 down-after)
    up=$(udp_rate up 3000000 up-after)
    echo "rate_limit 3M/3M after reload: download $down bit/s ($(ratio "$down" 3000000) x), upload $up bit/s ($(ratio "$up" 3000000) x)"
    check "download follows the new 3M limit (0.7-1.15x)" within "$down" 3000000
    check "upload follows the new 3M limit (0.7-1.15x)" within "$up" 3000000
    check "the same session: same id" test "$(session_field id)" = "$id"
    check "the same session: its uptime went on" test "$(session_field uptime_s)" -ge $((uptime + 8))
    check "the client connected once (no reconnect)" \
        test "$(grep -c 'Initialization Sequence Completed' "$E2E_DIR/alice.log")" -eq 1
    check "the limiter's drop counters carried over" test "$(session_field rate_limit_dropped_tx)" -gt 0
    # The per-session metrics of the same session (labels user, address, protocol).
    vpnctl metrics --sessions >"$E2E_DIR/sessions.prom"
    check "vpnctl metrics --sessions passes promtool" promtool check metrics <"$E2E_DIR/sessions.prom"
    check "alice's bytes are a series" grep -qE \
        '^vpnplane_session_tx_bytes_total\{id="[0-9]+",user="alice",address="10\.2\.0\.100",protocol="ovpn"\} [1-9]' \
        "$E2E_DIR/sessions.prom"
    # A change that needs a restart is reported, and vpnctl says so with exit status 3.
    sed -i 's|dataplane = { idle_sleep_us = 50; };|dataplane = { idle_sleep_us = 60; };|' "$E2E_DIR/vpnplane.cfg"
    rc=0
    vpnctl reload >"$E2E_DIR/reload2.out" 2>&1 || rc=$?
    cat "$E2E_DIR/reload2.out"
    check "a dataplane change: vpnctl reload exits 3" test "$rc" -eq 3
    check "... and names the setting" grep -q 'dataplane.idle_sleep_us: needs a restart (not applied)' \
        "$E2E_DIR/reload2.out"
    check "the client is still connected" in_client ping -c 2 -W 2 10.2.0.1
}

# --- reload: the server's UDP port -------------------------------------------------------------

not_connected() { ! connected "$@"; }

case_reload_port() {
    # alice connects on 1194; a reload moves the server to 1195. alice's session stays on 1194
    # (same session, traffic both ways); bob connects on 1195; carol, still dialling 1194, is
    # refused. When alice leaves, 1194 closes.
    start 3 ''
    profile alice
    profile carol # remote port 1194, written before the move
    start_client "$NS_CLIENT" alice alice wonderland --explicit-exit-notify 1
    check "alice connects on UDP 1194" connected alice
    check "alice pings the LAN host" in_client ping -c 2 -i 0.2 -W 2 10.2.0.2
    local id
    id=$(session_field id 2>/dev/null || echo none)
    # 40 pings, 8 s: across the reload, bob's connect and carol's refusal.
    ip netns exec "$NS_CLIENT" ping -c 40 -i 0.2 -W 1 10.2.0.2 >"$E2E_DIR/ping-during.txt" 2>&1 &
    local pinger=$!
    E2E_PIDS+=("$pinger")
    sed -i 's/port = 1194;/port = 1195;/' "$E2E_DIR/vpnplane.cfg"
    local rc=0
    vpnctl reload >"$E2E_DIR/reload.out" 2>&1 || rc=$?
    cat "$E2E_DIR/reload.out"
    check "vpnctl reload applies the port (exit 0, nothing needs a restart)" test "$rc" -eq 0
    check "the log says the server moved and 1194 drains" grep -q \
        "UDP port 1194 keeps its sessions until they end" "$E2E_DIR/vpnplaned.log"
    profile bob
    check "bob's profile names the new port" grep -qE '^remote 10\.1\.0\.1 1195' "$E2E_DIR/bob.ovpn"
    start_client "$(client_ns 2)" bob bob builder
    check "bob connects on UDP 1195" connected bob
    check "bob pings the LAN host" ip netns exec "$(client_ns 2)" ping -c 2 -i 0.2 -W 2 10.2.0.2
    start_client "$(client_ns 3)" carol carol singer --connect-retry 1
    check "carol, dialling 1194, is refused" not_connected carol 6
    check "... counted as refused on the old port" test "$(json_value ovpn "r['resets_refused_old_port']")" -ge 1
    kill "$(client_pid carol)" 2>/dev/null || true
    wait "$pinger" 2>/dev/null || true
    check "alice's session kept passing traffic through the reload (no ping lost)" \
        grep -qE ' 0% packet loss' "$E2E_DIR/ping-during.txt"
    check "alice: the same session, connected once" \
        test "$(grep -c 'Initialization Sequence Completed' "$E2E_DIR/alice.log")" -eq 1
    check "alice's session id is unchanged" test "$(session_field id)" = "$id"
    check "two sessions (alice on 1194, bob on 1195)" sessions_are 2
    check "alice still pings the LAN host" in_client ping -c 2 -i 0.2 -W 2 10.2.0.2
    # alice leaves (explicit-exit-notify): the old port closes.
    kill -TERM "$(client_pid alice)"
    check "1194 closes with its last session" wait_for 15 grep -q \
        "UDP port 1194 closed (its last session ended)" "$E2E_DIR/vpnplaned.log"
    check "bob still pings the LAN host" ip netns exec "$(client_ns 2)" ping -c 2 -i 0.2 -W 2 10.2.0.2
}

type "case_$CASE" >/dev/null 2>&1 || { echo "unknown case $CASE"; exit 2; }
"case_$CASE"
check "SIGTERM stops the daemon with exit status 0" stop_daemon
check "no password or key in any log" "$E2E_ROOT/tests/common/no_secrets_in_logs.sh" "$E2E_DIR"
e2e_finish
