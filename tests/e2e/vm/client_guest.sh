# Runs inside the VM (as /test/run.sh, under bash) for client_test.sh: proves the kernel's PPP
# modules load, /dev/ppp exists, netem is on eth0, the host side answers pings, and sstpc gets
# through TLS and sends its SSTP_DUPLEX_POST to the host's TLS endpoint. Each result is one
# "VPVM: OK <name>" or "VPVM: FAIL <name>" line on the console; the host decides.
set -u
GW=$(sed -n 's/.* vp\.gw=\([^ ]*\).*/\1/p' /proc/cmdline)
ok() { echo "VPVM: OK $1"; }
fail() { echo "VPVM: FAIL $1"; }
step() { local name=$1; shift; if "$@" >/tmp/step.log 2>&1; then ok "$name"; else fail "$name"; cat /tmp/step.log; fi; }

# Every copied program finds its libraries (a missing one fails here, not in an SSTP test).
step tools bash -c 'iperf3 --version && ip -V && tc -V && ping -V && pppd --version && openssl version &&
    test -f /usr/lib/pppd/2.4.9/sstp-pppd-plugin.so'
step modprobe-ppp sh -c 'modprobe ppp_generic && modprobe ppp_async && modprobe ppp_mppe'
step dev-ppp test -c /dev/ppp
step netem-25ms sh -c '/usr/sbin/tc qdisc show dev eth0 | grep -q "netem.*delay 25ms"'
step ping-gateway /usr/bin/ping -c 2 -W 3 "$GW"

# The host tells us when it is done with a step by connecting to a TCP port of ours.
wait_host() { # PORT NAME: print "VPVM: WAITING <name>", then wait (60 s at most) for the connect
    nc -l -p "$1" </dev/null >/dev/null &
    local listener=$!
    echo "VPVM: WAITING $2"
    if timeout 60 bash -c "while kill -0 $listener 2>/dev/null; do sleep 0.2; done"; then ok "$2"; else
        fail "$2"
        kill "$listener" 2>/dev/null
    fi
}

wait_host 7777 host-pinged

# sstpc against the host's `openssl s_server`: nothing answers the SSTP call, so sstpc would wait;
# the host says when its s_server has seen the SSTP_DUPLEX_POST, and then sstpc is stopped.
sstpc --cert-warn --tls-ext --save-server-route --log-level 4 --log-stderr --user vpuser --password vppass \
    --ipparam vmtest "$GW" -- noauth nodetach >/tmp/sstpc.log 2>&1 &
sstpc=$!
wait_host 7778 host-saw-post
kill -TERM "$sstpc" 2>/dev/null
wait "$sstpc"
echo "VPVM: SSTPC-EXIT rc=$?"
echo "VPVM: SSTPC-LOG-BEGIN"
cat /tmp/sstpc.log
echo "VPVM: SSTPC-LOG-END"
grep -q "Connected to" /tmp/sstpc.log && ok sstpc-connected || fail sstpc-connected
