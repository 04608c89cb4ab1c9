#!/bin/bash
# The patch series as a distro maintainer takes it: checkpatch --strict on
# every patch, git am onto a clean Linux 6.12 tree, every patch built on its
# own (all backends built in), then the whole series with modules
# (config/distro.config).  Prints "series: N passed, M failed, 0 skipped".
#
# Environment (the Makefile sets it): PATCHES KTAR SRC OUT OUT_MOD CONFIGS
# (the guest fragments) DISTRO (the distro fragment) JOBS.
set -uo pipefail

. "$(dirname "$0")/verdict.sh"
finish() {
	echo "series: $passed passed, $failed failed, 0 skipped"
	[ "$failed" = 0 ]
	exit
}

mapfile -t patches < <(ls "$PATCHES"/0*.patch | grep -v /0000-)
[ "${#patches[@]}" -gt 0 ] || { verdict 1 "no patches in $PATCHES"; finish; }

# A clean 6.12 tree under git, unpacked once; each run resets it.
if [ ! -d "$SRC/.git" ]; then
	echo "series: unpacking $KTAR into $SRC (once)"
	rm -rf "$SRC.tmp" && mkdir -p "$SRC.tmp"
	tar xf "$KTAR" -C "$SRC.tmp" --strip-components=1
	git -C "$SRC.tmp" init -q
	git -C "$SRC.tmp" add -A -f	# Debian's .gitignore ignores the top level
	git -C "$SRC.tmp" -c user.name=aeration -c user.email=aeration@example.org \
		commit -qm "Linux 6.12 (Debian linux-source-6.12)"
	git -C "$SRC.tmp" tag base
	mv "$SRC.tmp" "$SRC"
fi
git -C "$SRC" am --abort > /dev/null 2>&1
git -C "$SRC" checkout -q -f base && git -C "$SRC" clean -fdxq

# checkpatch --strict: no errors, no warnings; the only checks allowed are
# CamelCase on the kernel's generated page-flag helpers (__SetPageReported),
# which mm/page_reporting.c uses the same way.
for p in "${patches[@]}"; do
	name=$(basename "$p")
	total=$(cd "$SRC" && scripts/checkpatch.pl --strict "$p" 2>&1 | grep '^total:')
	res=$(cd "$SRC" && scripts/checkpatch.pl --strict --terse "$p" 2>&1)
	other=$(echo "$res" | grep -E ': (ERROR|WARNING|CHECK):' |
		grep -v -E 'CHECK: Avoid CamelCase: <__(Set|Clear)PageReported>')
	stat=$(git apply --numstat "$p" 2>/dev/null | awk '{ a += $1; d += $2; n++ }
		END { printf "%d files, +%d -%d", n, a, d }')
	verdict "$([ -z "$other" ] && echo "$total" | grep -q '0 errors, 0 warnings'; echo $?)" \
		"checkpatch --strict $name ($stat; $total)"
	[ -z "$other" ] || echo "$other" | sed 's/^/  /'
done

git -C "$SRC" -c user.name=aeration -c user.email=aeration@example.org \
	am -q "${patches[@]}"
verdict $? "git am: ${#patches[@]} patches apply to a clean Linux 6.12 tree"
[ "$failed" = 0 ] || finish
mapfile -t commits < <(git -C "$SRC" rev-list --reverse base..HEAD)

# $(kconfig OUT FRAGMENTS...): tinyconfig plus the fragments, as the
# Makefile builds the guest; options a patch does not have yet are dropped.
kconfig() {
	local out=$1; shift
	mkdir -p "$out"
	make -s -C "$SRC" O="$out" tinyconfig > /dev/null &&
	(cd "$SRC" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$@" > /dev/null) &&
	make -s -C "$SRC" O="$out" olddefconfig > /dev/null
}
# build NAME OUT TARGET...: linux-glue/kbuild.sh, which shows progress.
build() {
	local name=$1 out=$2; shift 2
	# LOCALVERSION set (empty): no "+" for a git tree past its tag.
	"$(dirname "$0")/../../linux-glue/kbuild.sh" "$name" "$SRC" "$out" LOCALVERSION= "$@"
}
stuck() {
	local o bad=0
	for o in $(grep -h '^CONFIG_' "$@"); do
		grep -qx "$o" "$OUT_CUR/.config" || { echo "  $o did not stick"; bad=1; }
	done
	return $bad
}

# Last patch first: the whole series is the guest kernel's source and config
# in a tree laid out like the guest's, so ccache (CCACHE_BASEDIR) already has
# its objects; each earlier patch is then an incremental build.
n=${#commits[@]}
for ((i = n; i >= 1; i--)); do
	c=${commits[i - 1]}
	git -C "$SRC" checkout -q "$c"
	subject=$(git -C "$SRC" log -1 --format=%s "$c")
	start=$(date +%s)
	kconfig "$OUT" $CONFIGS && build "series, patch $i of $n" "$OUT" bzImage
	verdict $? "patch $i/$n builds on its own, every backend =y: $subject ($(( $(date +%s) - start )) s)"
	if [ "$i" = "$n" ]; then
		OUT_CUR=$OUT stuck $CONFIGS
		verdict $? "the whole series: every option of the guest config set (all backends =y)"
	fi
done
# make deb packages this tree: leave it at the whole series.
git -C "$SRC" checkout -q "${commits[n - 1]}"

start=$(date +%s)
kconfig "$OUT_MOD" $CONFIGS "$DISTRO" && build "series with modules (distro)" "$OUT_MOD" all	# bzImage and modules
verdict $? "the whole series with modules (virtio_balloon, Hyper-V VMBus and balloon =m) builds ($(( $(date +%s) - start )) s)"
OUT_CUR=$OUT_MOD stuck "$DISTRO"
verdict $? "modules build: CONFIG_AERATION_{VIRTIO,XEN,HYPERV}=y with the drivers =m"
# (make deb's staging tree under debian/ holds copies: look where Kbuild puts them.)
mods=$(ls "$OUT_MOD/drivers/virtio/virtio_balloon.ko" "$OUT_MOD/drivers/hv/hv_vmbus.ko" 2>/dev/null | wc -l)
verdict "$([ "$mods" = 2 ]; echo $?)" "modules build: virtio_balloon.ko and hv_vmbus.ko built ($mods of 2)"

# Xen PV only and PVH/HVM only: the guest config has both.  Without
# CONFIG_XEN_PV the PV paths of backends/xen.c must compile away and link.
for x in xen-pv-only:XEN_PVH xen-pvh-only:XEN_PV; do
	frag="$(dirname "$DISTRO")/${x%%:*}.config" off=${x#*:} xout="$OUT-${x%%:*}"
	start=$(date +%s)
	kconfig "$xout" $CONFIGS "$frag" && build "series, ${x%%:*}" "$xout" bzImage &&
		OUT_CUR=$xout stuck "$frag" && ! grep -qx "CONFIG_$off=y" "$xout/.config"
	verdict $? "${x%%:*}: CONFIG_AERATION_XEN=y without CONFIG_$off builds and links ($(( $(date +%s) - start )) s)"
done

# arm64 with Hyper-V (Azure's Cobalt VMs): the Hyper-V backend, hv_balloon
# and arm64's Hyper-V core compile.  Objects only, not linked: a whole arm64
# kernel with ACPI and EFI would take longer than the arm64 test kernel.
frag="$(dirname "$DISTRO")/arm64-hyperv.config" aout="$OUT-arm64-hyperv"
start=$(date +%s)
export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
kconfig "$aout" "$(dirname "$DISTRO")/arm64.config" "$frag" &&
	build "series, arm64 Hyper-V objects" "$aout" mm/aeration/ drivers/hv/ arch/arm64/hyperv/ &&
	OUT_CUR=$aout stuck "$frag" && [ -s "$aout/mm/aeration/backends/hyperv.o" ] &&
	[ -s "$aout/drivers/hv/hv_balloon.o" ]
verdict $? "arm64 with Hyper-V: backends/hyperv.o and hv_balloon.o compile (CONFIG_AERATION_HYPERV=y; objects, not linked) ($(( $(date +%s) - start )) s)"
unset ARCH CROSS_COMPILE
finish
