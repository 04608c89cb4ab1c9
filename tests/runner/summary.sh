#!/bin/bash
# make check's closing table: every tier's summary lines, by name, with
# the time each tier took.  A summary line that is missing (a tier that
# crashed or never ran) or that appears twice counts as a failure; so
# does a tier that exited non-zero.
#
#   tests/runner/summary.sh LOGDIR TIER:NAME,NAME... ...
#
# Reads LOGDIR/check-*.log (lines "NAME: N passed, M failed, S skipped")
# and LOGDIR/check-times ("TIER SECONDS EXIT"); the last line printed is
# "N passed, M failed, S skipped"; exits 1 unless M is 0.
set -uo pipefail

dir=$1
shift
tp=0 tf=0 ts=0 tt=0
fmt='%-8s %-14s %7s %7s %8s %9s\n'
# Every failed check again, by log: a CI log that keeps only its head and
# tail still says what failed.
fails=$(grep -sH "^FAIL " "$dir"/check-*.log | sed -E 's|^.*/check-([^/]*)\.log:|\1: |')
[ -z "$fails" ] || printf 'failed checks:\n%s\n' "$(echo "$fails" | head -40)"
printf "$fmt" tier summary passed failed skipped time
for spec in "$@"; do
	tier=${spec%%:*}
	names=${spec#*:}
	line=$(grep -s "^$tier " "$dir/check-times" | tail -1)
	secs=$(echo "$line" | awk '{ print $2 }')
	rc=$(echo "$line" | awk '{ print $3 }')
	time=${secs:+$((secs / 60))m$(printf %02d $((secs % 60)))s}
	tt=$((tt + ${secs:-0}))
	first=1
	f0=$tf
	for name in ${names//,/ }; do
		hits=$(cat "$dir"/check-*.log 2>/dev/null |
			grep -E "^$name: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$")
		n=$(printf '%s' "$hits" | grep -c .)
		if [ "$n" != 1 ]; then
			printf "$fmt" "${first:+$tier}" "$name" - "1" - "${first:+${time:--}}"
			echo "FAIL $tier: summary line '$name:' seen $n times, want once"
			tf=$((tf + 1))
		else
			read -r p f s < <(echo "$hits" |
				sed -E 's/^[^:]*: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/')
			s=${s:-0}
			printf "$fmt" "${first:+$tier}" "$name" "$p" "$f" "$s" "${first:+${time:--}}"
			tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
		fi
		first=
	done
	if [ -z "$line" ]; then
		echo "FAIL $tier: did not run"
		tf=$((tf + 1))
	elif [ "$rc" != 0 ]; then
		# A tier that failed must have said so in its counts.
		echo "note: make check-$tier exited $rc"
		[ "$tf" != "$f0" ] || { echo "FAIL $tier: exited $rc with no failure counted"; tf=$((tf + 1)); }
	fi
done
printf "$fmt" total "" "$tp" "$tf" "$ts" "$((tt / 60))m$(printf %02d $((tt % 60)))s"
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" = 0 ]
