#!/bin/sh
# `vpnctl import-routeros` as an operator runs it: the output of a fixture must pass the real
# `vpnplaned --check`, the exit status must say whether lines were reported (0 / 3), and the
# reports must go to stderr with their line numbers.
set -u
vpnctl=$1 vpnplaned=$2 fixtures=$3
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$vpnctl" import-routeros "$fixtures/edge_v7_export.rsc" --output "$out/edge.cfg" \
    --port ether1=net_null0 --port lan=net_null1 2>"$out/edge.err"
rc=$?
[ $rc -eq 0 ] || fail "edge export: exit $rc, expected 0: $(cat "$out/edge.err")"
[ -s "$out/edge.err" ] && fail "edge export reported: $(cat "$out/edge.err")"
# The server certificate the export names lives in a certificate store (its key material is
# imported separately, as the output's comment says): make one and point the config at it.
v="$vpnctl --store $out/store certificate"
$v add name=ca common-name=edge-ca key-usage=key-cert-sign,crl-sign >/dev/null &&
    $v sign ca name=ca >/dev/null &&
    $v add name=srv common-name=vpn.example key-usage=tls-server >/dev/null &&
    $v sign srv ca=ca name=server-certificate >/dev/null || fail "making the certificate store"
echo "certificates = { store = \"$out/store\"; };" >>"$out/edge.cfg"
"$vpnplaned" -c "$out/edge.cfg" --check || fail "vpnplaned --check refused the import"

"$vpnctl" import-routeros "$fixtures/seed003_ovpn_v7.rsc" -o "$out/seed.cfg" 2>"$out/seed.err"
rc=$?
[ $rc -eq 3 ] || fail "seed003: exit $rc, expected 3"
# Line 26's protocol=tcp is translated as it is; the later `set protocol=udp` wins.
grep -q 'protocol = "udp"' "$out/seed.cfg" ||
    fail "seed003: protocol not written: $(grep -n protocol "$out/seed.cfg")"
grep -q "protocol=tcp" "$out/seed.err" && fail "seed003: protocol=tcp reported: $(cat "$out/seed.err")"
grep -q 'certificate = "server"' "$out/seed.cfg" || fail "seed003: no ovpn certificate written"

# The seeds' firewall/NAT rules and client links: exit 3 (refused lines), each report on stderr
# with its line, and what was written passes vpnplaned --check (the links' certificates are in
# the store).
"$vpnctl" import-routeros "$fixtures/seed_firewall_clients.rsc" -o "$out/fw.cfg" \
    --port ether1=net_null0 --port ether2=net_null1 2>"$out/fw.err"
rc=$?
[ $rc -eq 3 ] || fail "firewall seeds: exit $rc, expected 3: $(cat "$out/fw.err")"
grep -q ': line 24: refused: action=redirect' "$out/fw.err" ||
    fail "firewall seeds: no report for line 24: $(cat "$out/fw.err")"
# connect-to=DNSNAME and add-default-route=yes are kept (the daemon resolves the name and
# installs the default route), not reported.
grep -q 'line 31:' "$out/fw.err" && fail "firewall seeds: line 31 reported: $(cat "$out/fw.err")"
grep -q 'connect_to = "vpn.example.com"' "$out/fw.cfg" ||
    fail "firewall seeds: the DNS-named link not written: $(grep -n connect_to "$out/fw.cfg")"
grep -q 'add_default_route = true' "$out/fw.cfg" ||
    fail "firewall seeds: add-default-route=yes not written"
grep -q 'gateway = "ovpn-dns"' "$out/fw.cfg" || fail "firewall seeds: no route via the DNS-named link"
grep -q 'action = "masquerade"' "$out/fw.cfg" || fail "firewall seeds: no masquerade rule"
grep -q 'gateway = "ovpn-to-hq"' "$out/fw.cfg" || fail "firewall seeds: no route via the link"
for n in client1 client-certificate; do
    $v add name=t-$n common-name=$n key-usage=tls-client >/dev/null &&
        $v sign t-$n ca=ca name=$n >/dev/null || fail "making the client certificate $n"
done
echo "certificates = { store = \"$out/store\"; };" >>"$out/fw.cfg"
"$vpnplaned" -c "$out/fw.cfg" --check || fail "vpnplaned --check refused the firewall import"

"$vpnctl" import-routeros "$out/missing.rsc" 2>/dev/null
[ $? -eq 1 ] || fail "a missing file must exit 1"
"$vpnctl" import-routeros "$fixtures/edge_v7_export.rsc" --port nodevice 2>/dev/null
[ $? -eq 2 ] || fail "a bad --port must exit 2"
echo ok
