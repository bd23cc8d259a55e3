#!/usr/bin/env bash
# End-to-end test of `vpnctl certificate`: the RouterOS flow from the seeds (add template ->
# sign -> export), checked with the openssl CLI rather than with vpnplane's own code:
# `openssl verify` (also -crl_check after a revoke), key usage / EKU / SAN / validity from
# `openssl x509`, PKCS#12 round trips through `openssl pkcs12` (modern and legacy), wrong
# passphrases refused, overwrites refused, private keys 0600.
# Usage: pki_test.sh /path/to/vpnctl
set -euo pipefail

VPNCTL=$(readlink -f "${1:?usage: pki_test.sh VPNCTL}")
W=$(mktemp -d "${TMPDIR:-/tmp}/vp-pki-e2e-XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
S=$W/store
CHECKS=0

V() { "$VPNCTL" --store "$S" certificate "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { CHECKS=$((CHECKS + 1)); }
# expect_fail STATUS MESSAGE command...: the command fails with STATUS and one stderr line
# containing MESSAGE.
expect_fail() {
    local want_status=$1 msg=$2 status=0
    shift 2
    "$@" >"$W/out" 2>"$W/err" || status=$?
    [[ $status -eq $want_status ]] || fail "'$*' exited $status, want $want_status: $(cat "$W/err")"
    grep -qF -- "$msg" "$W/err" || fail "'$*': expected '$msg' in: $(cat "$W/err")"
    [[ $(wc -l <"$W/err") -eq 1 ]] || fail "'$*': error is not one line: $(cat "$W/err")"
    ok
}
has() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: $1"; ok; }
mode() { stat -c %a "$1"; }

echo "== seed flow: CA, server and client certificates"
V add name=ca-template common-name=myCa days-valid=3650 key-size=2048 \
    key-usage=key-cert-sign,crl-sign
V add name=server-template common-name=vpn.example.com \
    subject-alt-name=DNS:vpn.example.com,IP:192.0.2.1 days-valid=365 key-size=2048 \
    key-usage=tls-server
V add name=client-template common-name=alice days-valid=365 key-size=prime256v1 \
    key-usage=tls-client
V sign ca-template name=ca-certificate >/dev/null
V sign server-template ca=ca-certificate name=server-certificate >/dev/null
V sign client-template ca=ca-certificate name=client-certificate >/dev/null

CA=$S/certs/ca-certificate.crt
SRV=$S/certs/server-certificate.crt
CLI=$S/certs/client-certificate.crt
openssl verify -CAfile "$CA" "$SRV" "$CLI" >/dev/null || fail "openssl verify"; ok
openssl verify -purpose sslserver -CAfile "$CA" "$SRV" >/dev/null || fail "server purpose"; ok
openssl verify -purpose sslclient -CAfile "$CA" "$CLI" >/dev/null || fail "client purpose"; ok
if openssl verify -purpose sslserver -CAfile "$CA" "$CLI" >/dev/null 2>&1; then
    fail "a client certificate must not pass as a server certificate"
fi
ok

echo "== extensions, key types and validity"
ext() { openssl x509 -in "$1" -noout -ext keyUsage,extendedKeyUsage,subjectAltName,basicConstraints; }
E=$(ext "$CA")
has "$E" "CA:TRUE"
has "$E" "Certificate Sign, CRL Sign"
E=$(ext "$SRV")
has "$E" "CA:FALSE"
has "$E" "Digital Signature, Key Encipherment"
has "$E" "TLS Web Server Authentication"
has "$E" "DNS:vpn.example.com, IP Address:192.0.2.1"
E=$(ext "$CLI")
has "$E" "Digital Signature"
has "$E" "TLS Web Client Authentication"
[[ $E != *"Key Encipherment"* ]] || fail "EC client certificate must not have keyEncipherment"
has "$(openssl x509 -in "$SRV" -noout -text)" "Public-Key: (2048 bit)"
has "$(openssl x509 -in "$CLI" -noout -text)" "ASN1 OID: prime256v1"
has "$(openssl x509 -in "$SRV" -noout -text)" "sha256WithRSAEncryption"
has "$(openssl x509 -in "$SRV" -noout -subject)" "CN = vpn.example.com"
has "$(openssl x509 -in "$SRV" -noout -issuer)" "CN = myCa"
openssl x509 -in "$SRV" -noout -checkend $((364 * 86400)) >/dev/null || fail "valid for 364 days"; ok
if openssl x509 -in "$SRV" -noout -checkend $((366 * 86400)) >/dev/null; then
    fail "days-valid=365 must end within 366 days"
fi
ok
openssl x509 -in "$CA" -noout -checkend $((3649 * 86400)) >/dev/null || fail "CA validity"; ok
# Distinct random serials.
[[ $(openssl x509 -in "$SRV" -noout -serial) != $(openssl x509 -in "$CLI" -noout -serial) ]] ||
    fail "serials must differ"
ok

echo "== store files"
[[ $(mode "$S") == 700 ]] || fail "store dir mode $(mode "$S")"; ok
[[ $(mode "$S/private") == 700 ]] || fail "private dir mode"; ok
for k in "$S"/private/*.key; do
    [[ $(mode "$k") == 600 ]] || fail "$k has mode $(mode "$k")"
    ok
done
# Every file of the store belongs to whoever runs vpnctl (root on an appliance), no other.
others=$(find "$S" ! -uid "$(id -u)" -o ! -gid "$(id -g)")
[[ -z $others ]] || fail "store files owned by someone else: $others"; ok
# OpenVPN's static keys (tls-auth / tls-crypt) are secrets too.
"$VPNCTL" ovpn genkey secret "$W/ta.key"
[[ $(mode "$W/ta.key") == 600 && $(stat -c %u "$W/ta.key") == $(id -u) ]] ||
    fail "genkey secret: mode $(mode "$W/ta.key"), owner $(stat -c %u "$W/ta.key")"; ok
[[ -z $(ls "$S/templates") ]] || fail "signed templates must be consumed"; ok

echo "== print"
P=$(V print)
has "$P" "KLAT"
has "$P" "server-certificate"
has "$P" "$(openssl x509 -in "$SRV" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)"
D=$(V print detail server-certificate)
has "$D" "sha1-fingerprint=$(openssl x509 -in "$SRV" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr A-F a-f)"
has "$D" "serial-number=$(openssl x509 -in "$SRV" -noout -serial | sed 's/.*=//')"
has "$D" 'key-usage="digital-signature,key-encipherment,tls-server"'
has "$D" 'subject-alt-name="DNS:vpn.example.com,IP:192.0.2.1"'
has "$D" "trusted=yes"
has "$D" "ca=ca-certificate"
has "$("$VPNCTL" --store "$S" --json certificate print)" '"name": "client-certificate"'

echo "== export PEM"
V export-certificate ca-certificate export-passphrase="" >/dev/null
cmp -s cert_export_ca-certificate.crt "$CA" || fail "exported CA differs"; ok
[[ ! -e cert_export_ca-certificate.key ]] || fail "a key must not be exported without passphrase"; ok
V export-certificate server-certificate export-passphrase=abcdefgh file-name=srv >/dev/null
has "$(head -1 srv.key)" "BEGIN ENCRYPTED PRIVATE KEY"
[[ $(mode srv.key) == 600 ]] || fail "exported key mode $(mode srv.key)"; ok
openssl pkey -in srv.key -passin pass:abcdefgh -noout || fail "key passphrase"; ok
if openssl pkey -in srv.key -passin pass:wrongpass -noout 2>/dev/null; then fail "wrong passphrase accepted"; fi
ok
[[ $(openssl pkey -in srv.key -passin pass:abcdefgh -pubout) == $(openssl x509 -in "$SRV" -noout -pubkey) ]] ||
    fail "exported key does not match the certificate"
ok
expect_fail 1 "at least 8 characters" V export-certificate server-certificate \
    export-passphrase=short file-name=short
expect_fail 1 "already exists" V export-certificate server-certificate \
    export-passphrase=abcdefgh file-name=srv

echo "== export PKCS#12"
V export-certificate client-certificate export-passphrase=12345678 type=pkcs12 >/dev/null
P12=cert_export_client-certificate.p12
[[ $(mode $P12) == 600 ]] || fail "p12 mode"; ok
INFO=$(openssl pkcs12 -in $P12 -passin pass:12345678 -info -noout 2>&1)
has "$INFO" "PBES2, PBKDF2, AES-256-CBC"
has "$INFO" "MAC: sha256"
openssl pkcs12 -in $P12 -passin pass:12345678 -nokeys -clcerts -out p12-cert.pem
[[ $(openssl x509 -in p12-cert.pem -noout -fingerprint) == $(openssl x509 -in "$CLI" -noout -fingerprint) ]] ||
    fail "p12 certificate differs"
ok
openssl pkcs12 -in $P12 -passin pass:12345678 -nokeys -cacerts -out p12-ca.pem
[[ $(openssl x509 -in p12-ca.pem -noout -fingerprint) == $(openssl x509 -in "$CA" -noout -fingerprint) ]] ||
    fail "p12 must carry the CA"
ok
openssl pkcs12 -in $P12 -passin pass:12345678 -nocerts -nodes -out p12-key.pem
[[ $(openssl pkey -in p12-key.pem -pubout) == $(openssl x509 -in "$CLI" -noout -pubkey) ]] ||
    fail "p12 key does not match"
ok
if openssl pkcs12 -in $P12 -passin pass:87654321 -noout 2>/dev/null; then fail "wrong p12 passphrase accepted"; fi
ok
V export-certificate client-certificate export-passphrase=12345678 type=pkcs12 legacy=yes \
    file-name=legacy >/dev/null
INFO=$(openssl pkcs12 -in legacy.p12 -passin pass:12345678 -info -noout 2>&1)
has "$INFO" "pbeWithSHA1And3-KeyTripleDES-CBC"
has "$INFO" "MAC: sha1"
openssl pkcs12 -in legacy.p12 -passin pass:12345678 -nodes -out /dev/null || fail "legacy p12"; ok
expect_fail 1 "at least 8 characters" V export-certificate client-certificate \
    export-passphrase=1234567 type=pkcs12 file-name=x
expect_fail 1 "already exists" V export-certificate client-certificate \
    export-passphrase=12345678 type=pkcs12

echo "== import (second store)"
S2=$W/store2
V2() { "$VPNCTL" --store "$S2" certificate "$@"; }
V2 import file-name=cert_export_ca-certificate.crt >/dev/null
V2 import file-name=srv.crt >/dev/null
expect_fail 1 "wrong passphrase for the private key" V2 import file-name=srv.key passphrase=nope
expect_fail 1 "give passphrase=" V2 import file-name=srv.key
has "$(V2 import file-name=srv.key passphrase=abcdefgh)" "attached the private key to certificate 'srv_0'"
expect_fail 1 "wrong passphrase for the PKCS#12 file" V2 import file-name=$P12 passphrase=wrong1234
has "$(V2 import file-name=$P12 passphrase=12345678 name=alice)" "imported certificate 'alice' (CN=alice) with its private key"
[[ $(mode "$S2/private/alice.key") == 600 ]] || fail "imported key mode"; ok
openssl x509 -in "$CA" -outform DER -out ca.der
has "$(V2 import file-name=ca.der)" "already in the store"
# A PKCS#12 made by openssl with its legacy RC2 algorithm, and one with its defaults.
openssl pkcs12 -export -legacy -in "$SRV" -inkey "$S/private/server-certificate.key" \
    -passout pass:rc2-pass -out rc2.p12
openssl pkcs12 -export -in "$CLI" -inkey "$S/private/client-certificate.key" -certfile "$CA" \
    -passout pass:aes-pass -out aes.p12
S3=$W/store3
"$VPNCTL" --store "$S3" certificate import file-name=rc2.p12 passphrase=rc2-pass name=rc2 >/dev/null
"$VPNCTL" --store "$S3" certificate import file-name=aes.p12 passphrase=aes-pass name=aes >/dev/null
P3=$("$VPNCTL" --store "$S3" certificate print)
has "$P3" "rc2 "
has "$P3" "aes "
has "$(V2 print)" " KT      srv_0"

echo "== revoke and CRL"
V revoke client-certificate >/dev/null
CRL=$S/crl/ca-certificate.crl
SERIAL=$(openssl x509 -in "$CLI" -noout -serial | sed 's/.*=//')
has "$(openssl crl -in "$CRL" -noout -text)" "Serial Number: $SERIAL"
openssl crl -in "$CRL" -CAfile "$CA" -noout 2>&1 | grep -q "verify OK" || fail "CRL signature"; ok
cat "$CA" "$CRL" >ca-crl.pem
if openssl verify -crl_check -CAfile ca-crl.pem "$CLI" >out 2>&1; then fail "revoked cert verified"; fi
has "$(cat out)" "certificate revoked"
openssl verify -crl_check -CAfile ca-crl.pem "$SRV" >/dev/null || fail "server after revoke"; ok
has "$(V print)" "KIRT"
expect_fail 1 "already revoked" V revoke client-certificate
expect_fail 1 "self-signed" V revoke ca-certificate
N1=$(openssl crl -in "$CRL" -noout -crlnumber)
mkdir pub
V crl ca-certificate next-update=7 file-name=pub/ca.crl >/dev/null
N2=$(openssl crl -in "$CRL" -noout -crlnumber)
[[ $N1 != "$N2" ]] || fail "CRL number must change"; ok
cmp -s pub/ca.crl "$CRL" || fail "published CRL differs"; ok
NEXT=$(date -d "$(openssl crl -in pub/ca.crl -noout -nextupdate | sed 's/.*=//')" +%s)
(( NEXT - $(date +%s) <= 7 * 86400 + 60 && NEXT - $(date +%s) >= 7 * 86400 - 60 )) ||
    fail "next-update=7"
ok

echo "== errors an operator understands"
KEYSUM=$(sha256sum "$S/private/server-certificate.key")
expect_fail 1 "name 'server-certificate' is in use" V add name=server-certificate
V add name=again key-size=prime256v1
expect_fail 1 "is in use" V sign again name=server-certificate ca=ca-certificate
[[ $(sha256sum "$S/private/server-certificate.key") == "$KEYSUM" ]] || fail "key overwritten"; ok
expect_fail 1 "is not a CA" V sign again ca=server-certificate
expect_fail 1 "no template named 'ghost'" V sign ghost
expect_fail 2 "unknown property days-vaild" V add name=x days-vaild=10
expect_fail 2 "is not one of" V add name=x key-usage=tls-serv
expect_fail 2 "shorter than 2048" V add name=x key-size=1024
expect_fail 2 "need an RSA key" V add name=x key-size=prime256v1 key-usage=key-encipherment
expect_fail 1 "does not exist" "$VPNCTL" --store "$W/none" certificate print
expect_fail 2 "unknown command" V frobnicate

echo "== CRL distribution point only when asked"
V add name=ca2 key-size=prime256v1 key-usage=key-cert-sign,crl-sign
V sign ca2 ca-crl-host=crl.example.com >/dev/null
V add name=srv2 common-name=srv2.example.com key-size=prime256v1 key-usage=tls-server
V sign srv2 ca=ca2 >/dev/null
has "$(openssl x509 -in "$S/certs/srv2.crt" -noout -ext crlDistributionPoints)" "URI:http://crl.example.com/crl/ca2.crl"
has "$(openssl x509 -in "$S/certs/srv2.crt" -noout -ext subjectAltName)" "DNS:srv2.example.com"
[[ -z $(openssl x509 -in "$SRV" -noout -ext crlDistributionPoints 2>/dev/null) ]] ||
    fail "no CDP unless ca-crl-host"
ok

echo "== store from the config file"
cat >vpnplane.cfg <<EOF
certificates = { store = "$W/cfgstore"; };
EOF
"$VPNCTL" -c vpnplane.cfg certificate add name=from-config key-size=prime256v1
[[ -f $W/cfgstore/templates/from-config.template ]] || fail "config store not used"; ok
expect_fail 1 "not found" "$VPNCTL" -c "$W/missing.cfg" certificate print
echo 'certificates = { store = 5; };' >bad.cfg
expect_fail 1 "certificates.store" "$VPNCTL" -c bad.cfg certificate print

echo "pki_test: $CHECKS checks passed"
