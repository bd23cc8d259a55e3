#!/usr/bin/env bash
# no_secrets_in_logs.sh DIR: fails (and prints the offending lines) when a password or a line of
# key material used by the test in DIR shows up in one of DIR's *.log files (daemon, harness and
# client logs). The secrets are gathered from the test's own files, so a new password or key is
# covered without touching this script:
#   - passwords: `password = "..."` in *.cfg/*.conf, the second line of *.pass/*.up files;
#   - keys: the body lines of every *.key file under DIR (PEM base64, OpenVPN static-key hex).
# Secrets shorter than 6 characters are skipped: they would match ordinary words.
set -euo pipefail
dir=${1:?usage: no_secrets_in_logs.sh DIR}
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
{
    find "$dir" \( -name '*.cfg' -o -name '*.conf' \) -type f -exec \
        grep -ohE 'password *= *"[^"]*"' {} + 2>/dev/null | sed -E 's/.*"(.*)"/\1/' || true
    find "$dir" \( -name '*.pass' -o -name '*.up' \) -type f -exec sed -n 2p {} \; 2>/dev/null || true
    find "$dir" -name '*.key' -type f -exec grep -hvE -- '^-----|^#|^$' {} + 2>/dev/null || true
} | awk 'length >= 6' | sort -u >"$patterns"
[ -s "$patterns" ] || { echo "no_secrets_in_logs: no secrets found under $dir"; exit 1; }
shopt -s nullglob
logs=()
for f in "$dir"/*.log; do [ "$(basename "$f")" = checks.log ] || logs+=("$f"); done
[ ${#logs[@]} -gt 0 ] || { echo "no_secrets_in_logs: no logs under $dir"; exit 1; }
if grep -HnF -f "$patterns" "${logs[@]}"; then
    echo "no_secrets_in_logs: the lines above contain a password or key material"
    exit 1
fi
echo "no_secrets_in_logs: $(wc -l <"$patterns") secret(s) absent from ${#logs[@]} log(s)"
