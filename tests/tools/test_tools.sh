#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The operator tools in hosts/: aerstat against a real QEMU (paused, no
# kernel: the balloon device and QMP work without a guest), both tools'
# options and error paths, and xenaer outside Xen.  xenaer inside a real
# dom0 runs in make check-xen.
#
#   AERSTAT=out/aerstat AERSTAT_SAN=out/aerstat-san XENAER=out/xenaer \
#	tests/tools/test_tools.sh
#
# Prints one PASS, FAIL or SKIP line per check and "tools: N passed,
# M failed, S skipped" (the rules of tests/unit/check.h); exits 1 on failure.
# A check that cannot run because something make deps installs is missing
# (python3, the ASan build) is an unexpected skip and fails, unless
# AER_ALLOW_SKIP is set.

set -u
AERSTAT=${AERSTAT:-out/aerstat}
AERSTAT_SAN=${AERSTAT_SAN:-}	# the same under ASan/UBSan, if built
XENAER=${XENAER:-out/xenaer}
QEMU=${QEMU:-qemu-system-x86_64}

passed=0
failed=0
skipped=0
skipping=	# why the checks now being walked cannot run, or empty
tmp=$(mktemp -d /tmp/aer-tools.XXXXXX)
pids=()

cleanup()
{
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2> /dev/null && wait "$p" 2> /dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

finish()
{
	echo "tools: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
}

# skip WHAT WHY: the check cannot run on this machine, and that is
# expected (no package would change it).
skip() { skipped=$((skipped + 1)); echo "SKIP $1: $2"; }

# skip_unexpected WHAT WHY: it cannot run because something make deps
# installs is missing.  That hides a check, so it fails unless allowed.
skip_unexpected()
{
	if [ -n "${AER_ALLOW_SKIP:-}" ]; then
		skip "$1" "$2"
	else
		failed=$((failed + 1))
		echo "FAIL $1: skipped unexpectedly (AER_ALLOW_SKIP=1 allows it): $2"
	fi
}

# While $skipping is set, checks are walked but not run: each one's
# verdict, pass or fail, becomes an unexpected skip, so the count of
# checks stays the same on every machine.
# count PASS|FAIL WHAT: one verdict, counted.
count()
{
	local word=$1

	shift
	if [ -n "$skipping" ]; then
		skip_unexpected "$*" "$skipping"
	elif [ "$word" = PASS ]; then
		passed=$((passed + 1))
		echo "PASS $*"
	else
		failed=$((failed + 1))
		echo "FAIL $*"
	fi
}
pass() { count PASS "$@"; }
fail() { count FAIL "$@"; }

# run CMD...: stdout in $tmp/out, stderr in $tmp/err, exit code in $rc.
# Nothing runs while skipping: empty output and rc 127, as if not found.
run()
{
	if [ -n "$skipping" ]; then
		: > "$tmp/out"
		: > "$tmp/err"
		rc=127
		return
	fi
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
}

show() { [ -n "$skipping" ] || cat "$tmp/out" "$tmp/err" | head -8 | sed 's/^/    | /'; }

# expect RC REGEX WHAT CMD...: the exit code, and REGEX on stdout or stderr.
expect()
{
	local want=$1 re=$2 what=$3

	shift 3
	if [ -n "$skipping" ]; then
		skip_unexpected "$what" "$skipping"
		return
	fi
	run "$@"
	if [ "$rc" = "$want" ] && cat "$tmp/out" "$tmp/err" | grep -qE -- "$re"; then
		pass "$what (exit $rc)"
	else
		fail "$what: exit $rc, wanted $want and /$re/"
		show
	fi
}

# start_qemu SOCK ARGS...: a paused QEMU with QMP on SOCK; sets $qpid.
start_qemu()
{
	local sock=$1 i

	shift
	"$QEMU" -accel tcg -machine pc -m 256 -S -nographic "$@" \
		-qmp "unix:$sock,server=on,wait=off" < /dev/null \
		> "$tmp/qemu-$(basename "$sock").log" 2>&1 &
	qpid=$!
	pids+=("$qpid")
	for i in $(seq 100); do
		[ -S "$sock" ] && return 0
		sleep 0.1
	done
	fail "QEMU did not open $sock"
	cat "$tmp/qemu-$(basename "$sock").log"
	return 1
}

stop_qemu() { kill "$1" 2> /dev/null; wait "$1" 2> /dev/null; }

# ---- xenaer: options, and the error outside Xen -------------------------

x=$XENAER
expect 0 '^usage: xenaer' "xenaer --help" $x --help
expect 0 'includes the ballooned memory' "xenaer --help explains max-tot" $x --help
expect 0 '^usage: xenaer' "xenaer -h" $x -h
expect 2 "-d wants a domain id.*'abc'" "xenaer -d abc" $x -d abc
expect 2 "-d wants a domain id.*'-1'" "xenaer -d -1" $x -d -1
expect 2 "-d wants a domain id.*'32752'" "xenaer -d 32752 (reserved)" $x -d 32752
expect 2 "-i wants seconds.*'x'" "xenaer -i x" $x -i x
expect 2 "-i wants seconds.*'-1'" "xenaer -i -1" $x -i -1
expect 2 "-n wants a count.*'0'" "xenaer -n 0" $x -n 0
expect 2 "-n wants a count.*'-3'" "xenaer -n -3" $x -n -3
expect 2 "-n wants a count.*'2x'" "xenaer -n 2x" $x -n 2x
expect 2 "option needs a value: '-d'" "xenaer -d without a value" $x -d
expect 2 "unknown option: '--bogus'" "xenaer --bogus" $x --bogus
expect 2 "unexpected argument: 'extra'" "xenaer extra" $x extra
if [ -e /dev/xen/privcmd ] || [ -e /proc/xen/privcmd ]; then
	why="this host has a Xen control interface"
	skip "xenaer outside Xen" "$why"
	skip "xenaer --json -d 0 outside Xen" "$why"
	skip "xenaer outside Xen: nothing on stdout" "$why"
else
	re='^xenaer: cannot open the Xen control interface: .* \(run in dom0 as root\)$'
	expect 1 "$re" "xenaer outside Xen" $x
	expect 1 "$re" "xenaer --json -d 0 outside Xen" $x --json -d 0
	[ -s "$tmp/out" ] && fail "xenaer outside Xen printed on stdout" ||
		pass "xenaer outside Xen: nothing on stdout"
fi

# ---- aerstat: options and sockets that are not QEMU's QMP ----------------

# A file that is not a socket, and a QEMU whose socket is the human monitor
# (HMP) beside a QMP socket with no balloon behind it.
: > "$tmp/plain"
start_qemu "$tmp/nob.sock" -monitor "unix:$tmp/hmp.sock,server=on,wait=off" ||
	finish
nob=$qpid

aerstat_errors()
{
	local a=$1 n=$2

	expect 0 '^usage: aerstat' "$n --help" $a --help
	expect 0 'guest-stats-polling-interval' "$n --help explains polling" $a -h
	expect 2 '--qmp PATH is required' "$n without --qmp" $a
	expect 2 "option needs a value: '--qmp'" "$n --qmp without a value" $a --qmp
	expect 2 "-i wants seconds.*'abc'" "$n -i abc" $a --qmp x -i abc
	expect 2 "-i wants seconds.*'-2'" "$n -i -2" $a --qmp x -i -2
	expect 2 "-n wants a count.*'0'" "$n -n 0" $a --qmp x -n 0
	expect 2 "-n wants a count.*'-1'" "$n -n -1" $a --qmp x -n -1
	expect 2 "unknown option: '--bogus'" "$n --bogus" $a --qmp x --bogus
	expect 2 "unexpected argument: 'extra'" "$n extra" $a --qmp x extra
	expect 1 "cannot connect to $tmp/none: No such file" \
		"$n, no socket" $a --qmp "$tmp/none"
	expect 1 "cannot connect to $tmp/plain" "$n, a plain file" \
		$a --qmp "$tmp/plain"
	expect 1 'does not speak QMP: it said "QEMU [0-9.]+ monitor' \
		"$n on an HMP socket" $a --qmp "$tmp/hmp.sock"
	expect 1 'this guest has no balloon device' "$n, QEMU without a balloon" \
		$a --qmp "$tmp/nob.sock"
}

# The ASan/UBSan build: make check-tools always passes it.
san_missing=
[ -n "$AERSTAT_SAN" ] || san_missing="AERSTAT_SAN not set (no ASan build)"

aerstat_errors "$AERSTAT" aerstat
skipping=$san_missing
aerstat_errors "$AERSTAT_SAN" aerstat-san
skipping=
stop_qemu "$nob"

# ---- aerstat against QEMU with a balloon ---------------------------------

sock=$tmp/qmp.sock
start_qemu "$sock" -device virtio-balloon-pci,free-page-reporting=on || finish
qemu=$qpid

aerstat_guest()
{
	local a=$1 n=$2 rss

	run $a --qmp "$sock"
	rss=$(sed -n 's/^qemu: pid [0-9]* (.*), rss \([0-9]*\)\..*/\1/p' "$tmp/out")
	if [ "$rc" = 0 ] && grep -q "^qemu: pid $qemu (" "$tmp/out" &&
	   [ "${rss:-0}" -gt 0 ]; then
		pass "$n: QEMU's pid $qemu from the socket, rss $rss MiB"
	else
		fail "$n: wanted exit 0, pid $qemu and rss > 0"
		show
	fi
	grep -q '^balloon: /machine/peripheral-anon/device\[0\], actual 256.0 MiB, free page reporting on$' \
		"$tmp/out" && pass "$n: balloon found, actual 256 MiB, reporting on" ||
		{ fail "$n: balloon line"; show; }
	grep -q '^no guest stats yet: the guest has not answered' "$tmp/out" &&
		pass "$n: says there are no guest stats yet" ||
		{ fail "$n: no-stats line"; show; }

	run $a --qmp "$sock" --json -n 3 -i 0.2
	if [ "$rc" = 0 ] && [ "$(grep -c '^{.*}$' "$tmp/out")" = 3 ] &&
	   [ "$(wc -l < "$tmp/out")" = 3 ] &&
	   grep -q "\"qemu_pid\":$qemu,\"rss_kib\":[1-9][0-9]*," "$tmp/out" &&
	   grep -q '"balloon_actual_bytes":268435456,"free_page_reporting":true,"stats_polling_s":2,"guest_stats":null}$' "$tmp/out"; then
		pass "$n --json -n 3: three objects, pid, rss, 256 MiB, no stats"
	else
		fail "$n --json -n 3"
		show
	fi
	if [ -z "$skipping" ] && ! command -v python3 > /dev/null; then
		skip_unexpected "$n --json: python's json module reads every line" \
			"no python3"
	else
		python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    assert d["rss_kib"] > 0 and d["balloon_actual_bytes"] == 256 << 20, d
    assert d["guest_stats"] is None, d' < "$tmp/out" 2> "$tmp/err" &&
			pass "$n --json: python's json module reads every line" ||
			{ fail "$n --json: not JSON"; show; }
	fi
	expect 0 'actual 256.0 MiB' "$n --balloon with the right path" \
		$a --qmp "$sock" --balloon '/machine/peripheral-anon/device[0]'
	expect 1 "Device '/machine/nope' not found" "$n --balloon with a wrong path" \
		$a --qmp "$sock" --balloon /machine/nope
}

aerstat_guest "$AERSTAT" aerstat
skipping=$san_missing
aerstat_guest "$AERSTAT_SAN" aerstat-san
skipping=

# python3 plays a second QMP client and the fake QMP server below.
no_python=
command -v python3 > /dev/null || no_python="no python3"

# QEMU serves one QMP client at a time: a second one must not hang.
if [ -n "$no_python" ]; then
	skip_unexpected "aerstat while another client holds QMP" "$no_python"
	skip_unexpected "... and gave up within 8 s" "$no_python"
else
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(30)' "$sock" &
	holder=$!
	pids+=("$holder")
	sleep 0.5
	start=$SECONDS
	expect 1 'no greeting from QEMU within 5 s' \
		"aerstat while another client holds QMP" ${AERSTAT_SAN:-$AERSTAT} --qmp "$sock"
	[ $((SECONDS - start)) -le 8 ] && pass "... and gave up after $((SECONDS - start)) s" ||
		fail "... took $((SECONDS - start)) s"
	stop_qemu "$holder"
fi

# ---- aerstat against a fake QMP server ------------------------------------

# What a paused QEMU cannot show (guest stats, events between replies,
# pretty-printed replies, error replies) and what QEMU never sends (broken
# or hostile JSON): a scripted server, one connection per run.
cat > "$tmp/fakeqmp.py" << 'EOF'
import json, socket, sys, time

path, mode = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(1)
c, _ = srv.accept()
send = lambda s: c.sendall(s.encode())
if mode == "deep":
    send('{"QMP": ' + "[" * 1000 + "]" * 1000 + "}\r\n")
elif mode == "big":
    send('{"QMP": "' + "a" * (2 << 20) + '"}\r\n')
elif mode == "cut":
    send('{"QMP": {"version": {}, "capabilities": [')
elif mode == "notqmp":
    send('{"hello": "world"}\r\n')
if mode in ("deep", "big", "cut", "notqmp"):
    time.sleep(0.5)
    sys.exit(0)
send('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}\r\n')
stats = {"stat-free-memory": 100 << 20, "stat-total-memory": 1000 << 20,
         "stat-swap-in": 0, "stat-major-faults": 7, "stat-oom-kills": 2,
         "stat-htlb-pgalloc": 2**64 - 1, 'stat-we"ird': 1}
for line in c.makefile("rb"):
    cmd = json.loads(line)
    ex, args = cmd["execute"], cmd.get("arguments", {})
    ret, err = {}, None
    if ex == "query-balloon":
        ret = {"actual": -5 if mode == "badnum" else 1 << 30}
    elif ex == "qom-list" and args["path"] == "/machine/peripheral":
        ret = [{"name": 'we"ird{[', "type": "child<virtio-net-pci>"},
               {"name": "balloon0", "type": "child<virtio-balloon-pci>"}]
    elif ex == "qom-get" and args["path"].endswith("/virtio-backend"):
        err = {"class": "DeviceNotFound", "desc": "no such thing"}
    elif ex == "qom-get":
        ret = {"guest-stats-polling-interval": 5, "free-page-reporting": True,
               "guest-stats": {"stats": stats,
                               "last-update": int(time.time()) - 3}}[args["property"]]
    # An event before every reply, as QEMU may send at any time.
    send('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "BALLOON_CHANGE", "data": {"actual": 1}}\r\n')
    reply = {"error": err} if err else {"return": ret}
    reply["id"] = cmd["id"]
    send(json.dumps(reply, indent=2 if mode == "pretty" else None) + "\r\n")
EOF

# fake MODE EXIT REGEX WHAT [ARGS...]
fake()
{
	local mode=$1 want=$2 re=$3 what=$4 i

	shift 4
	if [ -n "$skipping" ]; then
		run	# empties the output the next checks read
		skip_unexpected "fake QMP, $what" "$skipping"
		return
	fi
	rm -f "$tmp/fake.sock"
	python3 "$tmp/fakeqmp.py" "$tmp/fake.sock" "$mode" 2> "$tmp/fake.err" &
	pids+=($!)
	for i in $(seq 50); do
		[ -S "$tmp/fake.sock" ] && break
		sleep 0.1
	done
	expect "$want" "$re" "fake QMP, $what" ${AERSTAT_SAN:-$AERSTAT} \
		--qmp "$tmp/fake.sock" "$@"
}

skipping=$no_python
for mode in plain pretty; do
	fake $mode 0 '^  free memory +100.0 MiB$' \
		"$mode replies: stats shown, events skipped"
	grep -q '^balloon: /machine/peripheral/balloon0, actual 1024.0 MiB, free page reporting on$' \
		"$tmp/out" && grep -qE '^guest stats, [0-9]+ s old:$' "$tmp/out" &&
		grep -qE '^  total memory +1000.0 MiB$' "$tmp/out" &&
		grep -qE '^  major faults +7$' "$tmp/out" &&
		grep -qE '^  oom-kills +2$' "$tmp/out" &&
		! grep -qE 'hugetlb|weird' "$tmp/out" &&
		pass "fake QMP, $mode replies: balloon line, every stat the guest sent" ||
		{ fail "fake QMP, $mode replies: output"; show; }
done
fake plain 0 '"free_memory":104857600' "--json stats" --json
grep -qE '"guest_stats":\{"last_update":[0-9]+,"age_s":[0-9]+,.*"oom_kills":2' "$tmp/out" &&
	! grep -q 'htlb' "$tmp/out" &&
	python3 -c 'import json, sys; json.load(sys.stdin)' < "$tmp/out" &&
	pass "fake QMP, --json stats: JSON, unsent stats left out" ||
	{ fail "fake QMP, --json stats"; show; }
fake badnum 1 'query-balloon has no actual size' "a negative actual"
fake deep 1 'QEMU sent JSON we cannot read' "1000 nested arrays"
fake big 1 'a QMP message over 1048576 bytes' "a 2 MiB greeting"
fake cut 1 'QEMU closed the connection' "a greeting cut short"
fake notqmp 1 'does not speak QMP: no QMP greeting' "JSON but no QMP"
skipping=

# QEMU going away in the middle of a run: a message, not a crash.
${AERSTAT_SAN:-$AERSTAT} --qmp "$sock" -i 0.2 > "$tmp/out" 2> "$tmp/err" &
a=$!
sleep 1
stop_qemu "$qemu"
wait "$a"
rc=$?
[ "$rc" = 1 ] && grep -q 'QEMU closed the connection' "$tmp/err" &&
	pass "aerstat when QEMU exits under it (exit $rc)" ||
	{ fail "aerstat when QEMU exits under it: exit $rc"; show; }

finish
