#!/usr/bin/env bash
# Names come back exactly as configured, and --check says what start-up says.
# 1. The appliance runs with interfaces, pools, profiles and secrets whose names hold '-', '_' and
#    '.' (two pools differ only by '-' / '_'); `vpnctl` tables and `vpnctl --json` over the real
#    telemetry socket list every one of them, spelled as configured, one row each; so does
#    `vpnctl certificate print` for certificates so named.
# 2. Files that start-up refuses: `vpnplaned --check` refuses them too (status 1), and every line
#    of its error appears, in the same words, in the refusal of a real start.
source "$(dirname "$0")/lib.sh"
e2e_init names
make_topology

foundation_config() {
    cat <<CFG
dpdk = { lcores = "0-1"; no_huge = true; memory_mb = 256; file_prefix = "$E2E_PREFIX"; };
dataplane = { idle_sleep_us = 50; };
interfaces = (
  { name = "wan-0.a"; device = "net_af_packet0,iface=vpa-wan"; role = "wan"; address = "10.1.0.1/24"; },
  { name = "lan_0"; device = "net_af_packet1,iface=vpa-lan"; role = "lan"; address = "10.2.0.1/24"; }
);
CFG
}
names_config() {
    foundation_config
    cat <<'CFG'
ip_pools = (
  { name = "ovpn-pool"; ranges = "10.2.0.100-10.2.0.109"; },
  { name = "ovpn_pool"; ranges = "10.2.0.110-10.2.0.129"; },
  { name = "pool.v2"; ranges = "10.2.0.130-10.2.0.130"; }
);
ppp_profiles = (
  { name = "vpn-profile.1"; local_address = "10.2.0.1"; remote_address = "ovpn-pool"; },
  { name = "vpn_profile"; remote_address = "ovpn_pool"; }
);
ppp_secrets = (
  { name = "alice-1"; password = "a"; profile = "vpn-profile.1"; },
  { name = "bob_2"; password = "b"; profile = "vpn_profile"; service = "ovpn"; },
  { name = "carol.3"; password = "c"; remote_address = "10.2.0.200"; }
);
CFG
}
names_config >"$E2E_DIR/vpnplane.cfg"
check "--check accepts the file" "$VPNPLANED" -c "$E2E_DIR/vpnplane.cfg" --check
start_daemon "$E2E_DIR/vpnplane.cfg"

# A table row: a line of `vpnctl TABLE` with NAME as one of its columns.
has_row() { # TABLE NAME
    vpnctl "$1" | awk -v n="$2" '{ for (i = 1; i <= NF; i++) if ($i == n) found = 1 } END { exit !found }'
}
# The names under "name" in `vpnctl --json TABLE`, sorted, one per line.
json_names() { # TABLE
    vpnctl --json "$1" | /usr/bin/python3 -c \
        'import json,sys; print("\n".join(sorted(r["name"] for r in json.load(sys.stdin).values())))'
}

for n in wan-0.a lan_0; do check "vpnctl ports lists $n" has_row ports "$n"; done
check "vpnctl --json ports: both names as configured" \
    test "$(json_names ports | tr '\n' ' ')" = "lan_0 wan-0.a "
for n in ovpn-pool ovpn_pool pool.v2; do check "vpnctl pools lists $n" has_row pools "$n"; done
check "vpnctl --json pools: three rows, names as configured" \
    test "$(json_names pools | tr '\n' ' ')" = "ovpn-pool ovpn_pool pool.v2 "
check "pool sizes are each pool's own" test \
    "$(vpnctl --json pools | /usr/bin/python3 -c \
        'import json,sys; print(" ".join("%s=%d" % (r["name"], r["total"]) for r in json.load(sys.stdin).values()))')" \
    = "ovpn-pool=10 ovpn_pool=20 pool.v2=1"
for n in vpn-profile.1 vpn_profile default default-encryption; do
    check "vpnctl profiles lists $n" has_row profiles "$n"
done
check "a profile's pool is named as configured" bash -c \
    "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 profiles | grep -E 'vpn-profile\.1 +10\.2\.0\.1 +ovpn-pool '"
for n in alice-1 bob_2 carol.3; do check "vpnctl secrets lists $n" has_row secrets "$n"; done
check "vpnctl --json secrets: names as configured" \
    test "$(json_names secrets | tr '\n' ' ')" = "alice-1 bob_2 carol.3 "
check "a secret's profile is named as configured" bash -c \
    "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 secrets | grep -E 'alice-1 +any +vpn-profile\.1'"
check "no password leaves the daemon" test "$(vpnctl --json secrets | /usr/bin/python3 -c \
    'import json,sys; r=json.load(sys.stdin).values(); print(len([s for s in r if "password" not in s]))')" -eq 3
check "vpnctl sessions with none" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -q 'no active sessions'"
check "SIGTERM stops the daemon cleanly" stop_daemon

# Certificates (read from the store by vpnctl itself): names as given, '-' / '_' / '.' kept.
cert() { "$VPNCTL" --store "$E2E_DIR/store" certificate "$@"; }
cert add name=ca-tpl common-name=ca key-usage=key-cert-sign,crl-sign >/dev/null
cert sign ca-tpl name=vpn-ca.1 >/dev/null
cert add name=srv-tpl common-name=vpn.example.com key-size=prime256v1 >/dev/null
cert sign srv-tpl ca=vpn-ca.1 name=srv_2.b >/dev/null
cert add name=srv-tpl2 common-name=vpn.example.com key-size=prime256v1 >/dev/null
cert sign srv-tpl2 ca=vpn-ca.1 name=srv-2_b >/dev/null
for n in vpn-ca.1 srv_2.b srv-2_b; do
    check "vpnctl certificate print lists $n" bash -c \
        "$VPNCTL --store $E2E_DIR/store certificate print | awk -v n=$n '{ for (i = 1; i <= NF; i++) if (\$i == n) f = 1 } END { exit !f }'"
done
check "vpnctl --json certificate print: names as given" test "$(
    "$VPNCTL" --store "$E2E_DIR/store" --json certificate print | /usr/bin/python3 -c \
        'import json,sys; print(" ".join(sorted(c["name"] for c in json.load(sys.stdin))))')" \
    = "srv-2_b srv_2.b vpn-ca.1"

# Start-up and --check refuse the same files in the same words.
same_refusal() { # NAME SECTION-TEXT EXPECTED-TEXT
    local f=$E2E_DIR/$1.cfg check_out start_out
    { foundation_config; printf '%s\n' "$2"; } >"$f"
    if check_out=$("$VPNPLANED" -c "$f" --check 2>&1); then
        echo "$1: --check accepted it"
        return 1
    fi
    if start_out=$(ip netns exec "$NS_APP" timeout 60 "$VPNPLANED" -c "$f" 2>&1); then
        echo "$1: start-up accepted it"
        return 1
    fi
    echo "$1 --check: $check_out"
    echo "$1 start-up: $start_out"
    grep -qF -- "$3" <<<"$check_out" || { echo "$1: no '$3'"; return 1; }
    local line
    while IFS= read -r line; do
        grep -qF -- "$line" <<<"$start_out" || { echo "$1: start-up did not say: $line"; return 1; }
    done <<<"$check_out"
}
check "ovpn_server: unknown setting, cipher, profile: same words" same_refusal ovpn \
    'ovpn_server = { bogus = 1; cipher = "blowfish128"; default_profile = "nosuch"; certificate = "s"; };' \
    "ovpn_server.default_profile: no profile named 'nosuch'"
check "a secret with an unknown profile and service: same words" same_refusal secret \
    'ppp_secrets = ( { name = "x"; password = "x"; profile = "nosuch"; service = "pptp"; } );' \
    "ppp_secrets.[0].service: 'pptp' is not one of"
check "sstp_server enabled without a certificate: same words" same_refusal sstp \
    'sstp_server = { enabled = true; };' \
    "sstp_server.certificate: anonymous (ADH) SSTP is not implemented"
check "sstp_server unknown setting: same words" same_refusal sstp_unknown \
    'sstp_server = { enabled = false; bogus = 1; };' "sstp_server.bogus: unknown setting"
check "an unknown OpenVPN transport: one message, same words" same_refusal ovpn_tcp \
    'ovpn_server = { enabled = true; certificate = "s"; protocol = "sctp"; };' \
    "ovpn_server.protocol: 'sctp' is not one of"
check "an unknown OpenVPN transport: only one line mentions protocol" test \
    "$("$VPNPLANED" -c "$E2E_DIR/ovpn_tcp.cfg" --check 2>&1 | grep -c protocol)" -eq 1
check "a missing certificate file: same words" same_refusal credentials \
    "ovpn_server = { enabled = true; certificate_file = \"$E2E_DIR/none.crt\"; };" \
    "$E2E_DIR/none.crt"
e2e_finish
