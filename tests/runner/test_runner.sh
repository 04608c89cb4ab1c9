#!/bin/bash
# The runner's own test: hostrun's judges fed recorded consoles
# (tests/runner/replay/), each holding one defect a judge must catch, with
# a good transcript beside it to show the same judge can pass; then
# make check's table (summary.sh) with a summary line missing, doubled,
# or a tier that exited non-zero without counting a failure.
#
#   HOSTRUN=out/hostrun-san tests/runner/test_runner.sh
#
# Prints PASS/FAIL lines and "runner: N passed, M failed, 0 skipped".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
HOSTRUN=${HOSTRUN:-out/hostrun}
. "$here/../dist/verdict.sh"
tmp=$(mktemp -d /tmp/aer-runner.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# judge MODE TRANSCRIPT EXIT WANT WHAT: hostrun MODE on the transcript must
# exit EXIT and print a line matching the regex WANT.
judge() {
	local mode=$1 file=$2 want_rc=$3 want=$4 what=$5 rc

	"$HOSTRUN" "$mode" --replay "$here/replay/$file" --tier replay > "$tmp/out" 2>&1
	rc=$?
	grep -qE -- "$want" "$tmp/out" && [ "$rc" = "$want_rc" ]
	verdict $? "$what ($mode on $file: exit $rc, want $want_rc and /$want/)"
	grep -qE -- "$want" "$tmp/out" || sed 's/^/    | /' "$tmp/out" | tail -12
}

judge kunit kunit-good.txt 0 '^replay: [1-9][0-9]* passed, 0 failed' \
	"kunit: a complete suite passes, nested parameter cases not counted as cases"
judge kunit kunit-hang.txt 1 '^FAIL kunit: every case the plan announced reported \(3 of 7' \
	"kunit: a guest that hangs after 3 of 7 cases fails"
judge kunit kunit-hang.txt 1 '^FAIL kunit: QEMU exited cleanly' \
	"kunit: a timeout fails"
judge kunit kunit-short.txt 1 '^FAIL kunit: every case the plan announced reported \(3 of 4' \
	"kunit: a suite that ends short of its plan fails"
judge kunit kunit-skip.txt 1 '^FAIL kunit aeration_test_tunables: skipped' \
	"kunit: a skipped case fails"
judge storm storm-good.txt 0 '^replay: [1-9][0-9]* passed, 0 failed' \
	"storm: a good run passes"
judge storm storm-crlf.txt 0 '^replay: [1-9][0-9]* passed, 0 failed' \
	"every guest: lines ending in \\r\\r\\n (Xen's console) parse as well"
judge storm storm-timeout.txt 1 '^FAIL storm: guest ran to its end \(TIMED OUT' \
	"every guest: a timeout fails"
judge storm storm-qemu-failed.txt 1 '^FAIL storm: guest ran to its end \(QEMU FAILED' \
	"every guest: QEMU exiting with an error fails"
judge storm storm-nodone.txt 1 '^FAIL storm: guest ran to its end \(QEMU exited cleanly, no AER done' \
	"every guest: a mode that gave up (no AER done) fails"
judge storm storm-error.txt 1 '^FAIL storm: no AER error line from the guest \(1, first: AER error cannot write' \
	"every guest: an AER error line fails (a tunable write that failed)"
judge storm storm-bug.txt 1 '^FAIL storm: no BUG/WARNING/panic in the guest log: BUG' \
	"every guest: a BUG line fails"
judge storm storm-triple.txt 1 '^FAIL storm: no BUG/WARNING/panic in the guest log: \(XEN\) d0v1 Triple fault' \
	"every guest: a dom0 triple fault (Xen reboots as at a clean end) fails"
judge virtio virtio-off-unmeasured.txt 1 '^FAIL off: host RSS stayed up \(0 MiB in use' \
	"virtio: aeration=off with no RSS measured fails (0 == 0 is no evidence)"
judge virtio virtio-off-measured.txt 1 '^PASS off: host RSS stayed up \(1171 MiB in use' \
	"virtio: aeration=off with the RSS measured and staying up passes that verdict"
judge virtio virtio-marked.txt 1 '^FAIL device_del: no free page left marked aerated after the backend went \(512 pages' \
	"virtio: pages left marked after device_del fail"
judge virtio virtio-unmarked.txt 1 '^PASS device_del: no free page left marked aerated after the backend went \(0 pages' \
	"virtio: nothing marked after device_del passes that verdict"
judge virtio virtio-off-unmeasured.txt 1 '^FAIL device_del: QEMU took device_del in the middle of reporting \(0 of' \
	"virtio: no device_del unless a tenth of the memory came back first"
judge xen xen-off-unmeasured.txt 1 '^FAIL auto: Xen free memory and tot_pages measured and unchanged \(0 -> 0 MiB' \
	"xen: dom0's aeration=auto without Xen's view on the lines fails"
judge xen xen-off-measured.txt 1 '^PASS auto: Xen free memory and tot_pages measured and unchanged' \
	"xen: dom0's aeration=auto with Xen's view measured and unchanged passes that verdict"
judge isolate isolate-good.txt 0 '^replay: [1-9][0-9]* passed, 0 failed' \
	"isolate: a good run passes"
judge isolate isolate-count.txt 1 '^FAIL isolate: the engine.s aerated count matches the marks on the free lists \(1388096 pages counted, 388096 marked' \
	"isolate: an aerated count that disagrees with the marks on the free lists fails"
judge isolate isolate-nooffline.txt 1 '^FAIL isolate: 0 memory blocks holding 0 marked free blocks went offline' \
	"isolate: a round in which no memory block went offline fails (it proved nothing)"
judge xen-scrub xen-scrub-marked.txt 1 '^FAIL scrub: no page of that domU carries the marker \(12 pages do\)' \
	"xen-scrub: a domU page carrying dom0's freed marker fails"
judge xen-scrub xen-scrub-clean.txt 1 '^FAIL control: with xen_scrub_pages=0 the scan finds the marker in >= half the 262144 pages freed \(0 pages\)' \
	"xen-scrub: a control that finds no marker fails (the scan proved nothing)"
judge xen-scrub xen-scrub-clean.txt 1 '^PASS scrub: no page of that domU carries the marker \(0 pages do\)' \
	"xen-scrub: no marker in the scrubbed run passes that verdict"

# A machine that triple-faults ends as cleanly as one that reboots: a real
# QEMU runs a boot sector that does (an empty IDT, then int3), in place of
# the guest, and hostrun must find the fault in QEMU's log.
printf '\xfa\x0f\x01\x1e\x0a\x7c\xcc\x90\x90\x90' > "$tmp/tf.img"
head -c 500 /dev/zero >> "$tmp/tf.img"
printf '\x55\xaa' >> "$tmp/tf.img"
cat > "$tmp/qemu" <<EOF_QEMU
#!/bin/sh
# hostrun's QEMU: keep its log file (-D), boot the triple fault instead.
while [ \$# -gt 0 ]; do [ "\$1" = -D ] && log=\$2; shift; done
exec qemu-system-x86_64 -accel tcg -display none -nodefaults -no-reboot \\
	-drive format=raw,file=$tmp/tf.img -d cpu_reset -D "\$log"
EOF_QEMU
chmod +x "$tmp/qemu"
"$HOSTRUN" storm --qemu "$tmp/qemu" --kernel /dev/null --initrd /dev/null --tier tf \
	> "$tmp/out" 2>&1
rc=$?
grep -q '^FAIL storm: no BUG/WARNING/panic in the guest log: Triple fault' "$tmp/out" && [ "$rc" = 1 ]
verdict $? "every guest: a machine that triple-faults fails, though QEMU exits 0 (exit $rc)"
grep -q 'Triple fault' "$tmp/out" || sed 's/^/    | /' "$tmp/out" | tail -12

# make check's table.
sum() {
	"$here/summary.sh" "$tmp/logs" "$@" > "$tmp/out" 2>&1
}
table() {	# table WANT_RC REGEX WHAT TIER-SPEC...
	local want_rc=$1 want=$2 what=$3 rc
	shift 3
	sum "$@"
	rc=$?
	grep -qE -- "$want" "$tmp/out" && [ "$rc" = "$want_rc" ]
	verdict $? "summary: $what (exit $rc, want $want_rc and /$want/)"
}
mkdir -p "$tmp/logs"
printf 'a: 3 passed, 0 failed, 0 skipped\nb: 2 passed, 0 failed, 1 skipped\n' > "$tmp/logs/check-one.log"
printf 'one 10 0\n' > "$tmp/logs/check-times"
table 0 '^5 passed, 0 failed, 1 skipped$' "every line there once: the sum" one:a,b
table 1 "FAIL one: summary line 'c:' seen 0 times" "a tier whose binary crashed before its summary line fails" one:a,b,c
table 1 "FAIL two: did not run" "a tier that never ran fails" one:a,b two:c
printf 'a: 3 passed, 0 failed, 0 skipped\n' > "$tmp/logs/check-two.log"
table 1 "FAIL one: summary line 'a:' seen 2 times" "a summary line counted twice fails" one:a,b
rm "$tmp/logs/check-two.log"
printf 'one 10 2\n' > "$tmp/logs/check-times"
table 1 "FAIL one: exited 2 with no failure counted" "a tier that exits non-zero with all its lines passing fails" one:a,b

echo "runner: $passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
