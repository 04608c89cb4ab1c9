#!/bin/bash
# One kernel build with ccache (CROSS_COMPILE and ARCH from the environment),
# saying what it builds and how far it got:
# a cold build takes 5-15 minutes on 2 cores and make -s prints nothing.
#
#   linux-glue/kbuild.sh NAME SRC OUT [MAKE ARGS...]    (default target bzImage)
#
# "kernel i of n": make check sets AER_KBUILD_N (how many kernels it builds)
# and AER_KBUILD_COUNT (a file listing the build directories seen so far;
# a kernel built again keeps its number); alone, n is 1.
# The build's output goes to OUT/build.log; errors are shown from there.
set -uo pipefail

name=$1 src=$2 out=$3
shift 3
[ $# -gt 0 ] || set -- bzImage
jobs=${JOBS:-$(($(nproc) + 1))}
i=1 n=${AER_KBUILD_N:-1}
if [ -n "${AER_KBUILD_COUNT:-}" ]; then
	grep -qxF "$out" "$AER_KBUILD_COUNT" 2>/dev/null || echo "$out" >> "$AER_KBUILD_COUNT"
	i=$(grep -nxF "$out" "$AER_KBUILD_COUNT" | cut -d: -f1)
	[ "$i" -le "$n" ] || n=$i
fi

mkdir -p "$out"
start=$(date +%s)
stamp=$out/.kbuild-start
touch "$stamp"
echo "kernel $i of $n: $name ($out), building"
make -s -C "$src" O="$out" CC="ccache ${CROSS_COMPILE:-}gcc" -j"$jobs" "$@" > "$out/build.log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	for _ in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break 2
		sleep 1
	done
	echo "kernel $i of $n: $name, $(($(date +%s) - start)) s, $(find "$out" -name '*.o' -newer "$stamp" | wc -l) objects compiled"
done
wait "$pid"
rc=$?
if [ "$rc" != 0 ]; then
	grep -E 'error|Error' "$out/build.log" | head -20
	echo "kernel $i of $n: $name FAILED after $(($(date +%s) - start)) s (log: $out/build.log)"
	exit "$rc"
fi
echo "kernel $i of $n: $name done in $(($(date +%s) - start)) s ($(find "$out" -name '*.o' -newer "$stamp" | wc -l) objects compiled)"
