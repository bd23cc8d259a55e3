# Shared helpers for the real-client tests: a private network namespace (ovpnh-*), a throw-away
# PKI made with the openssl CLI, the harness (vp::ovpn::Server on a UDP socket) and Debian's
# openvpn client, all cleaned up on any exit. Sourced by run_case.sh.

set -u
HARNESS=${HARNESS:?}
NS=ovpnh-$$
DIR=$(mktemp -d /tmp/ovpnh.XXXXXX)
PIDS=()
HARNESS_PID=
PORT=1194
NO_SECRETS_IN_LOGS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../common" && pwd)/no_secrets_in_logs.sh

cleanup() {
    local status=$? pid i
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    if [ -n "$HARNESS_PID" ]; then
        # A clean stop, so that sanitizer builds report leaks; then make sure.
        kill -TERM "$HARNESS_PID" 2>/dev/null
        for ((i = 0; i < 30; i++)); do kill -0 "$HARNESS_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$HARNESS_PID" 2>/dev/null
    fi
    wait 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$DIR/harness.log" 2>/dev/null; then
        echo "FAIL: the harness reported a sanitizer error"
        grep -E -A20 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$DIR/harness.log" | head -40
        status=1
    fi
    # Passwords and keys never reach a log (the harness logs at debug level).
    if [ -f "$DIR/harness.log" ] && ! "$NO_SECRETS_IN_LOGS" "$DIR"; then
        echo "FAIL: a secret appears in a log"
        status=1
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
    exit $status
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A missing prerequisite skips (77), except under CI=true, where it fails: there everything is
# installed, and a skip would let the case pass without running.
skip() {
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $* (CI=true: a missing prerequisite is a failure)"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    for f in "$DIR"/*.log; do
        [ -f "$f" ] || continue
        echo "----- $(basename "$f") (last 40 lines)"
        grep -vE '^[0-9-]+ [0-9:]+ us=[0-9]+ +[a-zA-Z_0-9]+ = ' "$f" | tail -40
    done
    exit 1
}
pass() { echo "PASS: $*"; exit 0; }

preflight() {
    [ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tun)"
    command -v openvpn >/dev/null || skip "openvpn is not installed"
    [ -c /dev/net/tun ] || skip "no /dev/net/tun"
    ip netns add "$NS" || skip "cannot create a network namespace"
    ip -n "$NS" link set lo up
}

# CA, server and client certificates (EC P-256: fast), and a foreign CA with its own client.
make_pki() {
    local d=$DIR/pki
    mkdir -p "$d"
    (
        cd "$d" || exit 1
        ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }
        ca() {
            ec "$1"
            openssl req -x509 -new -key "$1.key" -subj "/CN=$1" -days 2 -out "$1.crt" \
                -addext basicConstraints=critical,CA:true \
                -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        }
        sign() { # name cn ca eku
            ec "$1"
            openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
            printf 'keyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=%s\n' "$4" \
                >"$1.ext"
            openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -days 2 \
                -out "$1.crt" -extfile "$1.ext" 2>/dev/null
        }
        ca ca
        sign server ovpnh-server ca serverAuth
        sign client alice ca clientAuth
        ca foreign-ca
        sign foreign alice foreign-ca clientAuth
    ) || fail "cannot make the test PKI"
    [ -s "$d/foreign.crt" ] || fail "cannot make the test PKI"
}

# A CRL from the CA that revokes the client certificate (openssl ca needs a small database).
make_crl() {
    local d=$DIR/pki
    : >"$d/index.txt"
    echo 1000 >"$d/crlnumber"
    cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = ca_default
[ca_default]
database = $d/index.txt
crlnumber = $d/crlnumber
certificate = $d/ca.crt
private_key = $d/ca.key
default_md = sha256
default_crl_days = 2
CNF
    openssl ca -config "$d/ca.cnf" -revoke "$d/client.crt" >/dev/null 2>&1 &&
        openssl ca -config "$d/ca.cnf" -gencrl -out "$d/crl.pem" >/dev/null 2>&1 ||
        fail "cannot make a CRL"
}

# write_server_conf "<extra ovpn_server settings>" ["<extra secrets>"] ["<profile settings>"]
write_server_conf() {
    local keepalive='keepalive_timeout = "10s";'
    case "${1:-}" in *keepalive_timeout*) keepalive= ;; esac
    cat >"$DIR/server.conf" <<CONF
ovpn_server = {
  enabled = true;
  port = $PORT;
  certificate_file = "$DIR/pki/server.crt";
  private_key_file = "$DIR/pki/server.key";
  ca_file = "$DIR/pki/ca.crt";
  $keepalive
  ${1:-}
};
test_aaa = {
  profiles = ( { name = "default"; local_address = "10.8.0.1"; pool = "10.8.0.2-10.8.0.20";
                 prefix_length = 24; dns = ["10.8.0.1"]; ${3:-} } );
  secrets = ( { name = "alice"; password = "wonderland"; service = "ovpn"; }
              ${2:-} );
};
harness = { listen = "127.0.0.1"; log = "debug"; };
CONF
}

start_server() {
    ip netns exec "$NS" "$HARNESS" "$DIR/server.conf" >"$DIR/harness.log" 2>&1 &
    HARNESS_PID=$!
    wait_log harness "harness: listening" 5 || fail "the harness did not start"
}

# write_client_conf NAME "<extra lines>" [user] [password]
write_client_conf() {
    printf '%s\n%s\n' "${3:-alice}" "${4:-wonderland}" >"$DIR/$1.up"
    chmod 600 "$DIR/$1.up"
    cat >"$DIR/$1.conf" <<CONF
client
dev tun
proto udp
remote 127.0.0.1 $PORT
nobind
ca $DIR/pki/ca.crt
remote-cert-tls server
auth-user-pass $DIR/$1.up
auth-nocache
verb 4
$2
CONF
}

# start_client NAME: runs openvpn in the namespace; its pid is in CLIENT_PID_<NAME>
start_client() {
    ip netns exec "$NS" openvpn --config "$DIR/$1.conf" >"$DIR/$1.log" 2>&1 &
    PIDS+=($!)
    eval "CLIENT_PID_$1=$!"
}

client_pid() { eval "echo \${CLIENT_PID_$1}"; }

# wait_log NAME PATTERN SECONDS: waits until $DIR/NAME.log matches (extended regex)
wait_log() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -qE "$2" "$DIR/$1.log" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# count_log NAME PATTERN
count_log() { grep -cE "$2" "$DIR/$1.log" 2>/dev/null || true; }

wait_connected() {
    wait_log "$1" "Initialization Sequence Completed" "${2:-15}" ||
        fail "client $1 did not complete initialization"
}

# ping_server COUNT [INTERVAL]: pings the server's tunnel address from the client side
ping_server() {
    ip netns exec "$NS" ping -c "$1" -i "${2:-0.2}" -W 2 10.8.0.1 >"$DIR/ping.log" 2>&1 ||
        fail "ping to 10.8.0.1 failed"
    grep -q " 0% packet loss" "$DIR/ping.log" || fail "ping lost packets: $(tail -2 "$DIR/ping.log")"
}

# sessions_are "N session\(s\), G grant\(s\), A address\(es\)" [SECONDS]: asks the harness for
# its table (SIGUSR1) until it matches; sessions that are delivering a last message (AUTH_FAILED)
# may take a few seconds to go.
sessions_are() {
    local i n last
    for ((i = 0; i < ${2:-8} * 4; i++)); do
        n=$(count_log harness "harness: [0-9]+ session")
        kill -USR1 "$HARNESS_PID"
        while [ "$(count_log harness "harness: [0-9]+ session")" = "$n" ]; do sleep 0.05; done
        last=$(grep -E "harness: [0-9]+ session" "$DIR/harness.log" | tail -1)
        echo "$last" | grep -qE "harness: $1" && return 0
        sleep 0.2
    done
    fail "expected '$1', the harness says: $last"
}

stop_client() { # NAME [SIGNAL]
    local pid
    pid=$(client_pid "$1")
    kill "-${2:-TERM}" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
