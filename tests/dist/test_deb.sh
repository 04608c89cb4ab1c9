#!/bin/bash
# The Debian packages of make deb: unpack the image package into a scratch
# root (dpkg -x), check the kernel, its config and modules are there, then
# boot the packaged kernel as it comes (no aeration= parameter) under QEMU.
# Prints "deb: N passed, M failed, 0 skipped".
#
# Environment (the Makefile sets it): DEBS HOSTRUN INITRD.
set -uo pipefail

. "$(dirname "$0")/verdict.sh"

image=$(ls "$DEBS"/linux-image-*.deb 2>/dev/null | grep -v -- -dbg_ | head -1)
verdict "$([ -n "$image" ]; echo $?)" "make deb made an image package ($(basename "${image:-none}"))"
for deb in "$DEBS"/*.deb; do
	echo "  $(dpkg-deb -f "$deb" Package Version | paste -sd' ')  $(du -h "$deb" | cut -f1)"
done
[ -n "$image" ] || { echo "deb: $passed passed, $failed failed, 0 skipped"; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$image" "$root"
rel=$(ls "$root/lib/modules" 2>/dev/null | head -1)
verdict "$([ -n "$rel" ] && [ -f "$root/boot/vmlinuz-$rel" ]; echo $?)" \
	"dpkg -x: /boot/vmlinuz-$rel is there"
config="$root/boot/config-$rel"
missing=$(for o in CONFIG_AERATION=y CONFIG_AERATION_VIRTIO=y CONFIG_AERATION_XEN=y \
		CONFIG_AERATION_HYPERV=y CONFIG_VIRTIO_BALLOON=m CONFIG_HYPERV=m; do
		grep -qx "$o" "$config" 2>/dev/null || echo "$o"; done)
verdict "$([ -z "$missing" ] && [ -f "$config" ]; echo $?)" \
	"dpkg -x: /boot/config-$rel has every backend built in and the balloon drivers as modules${missing:+ (missing: $missing)}"
verdict "$(grep -q '^# CONFIG_AERATION_HYPERV_TEST_HOST is not set' "$config"; echo $?)" \
	"dpkg -x: no test transport in the packaged kernel"
mods=$(find "$root/lib/modules/$rel" -name virtio_balloon.ko -o -name hv_balloon.ko | wc -l)
verdict "$([ "$mods" = 2 ]; echo $?)" "dpkg -x: virtio_balloon.ko and hv_balloon.ko are in /lib/modules/$rel ($mods of 2)"

# hostrun's own verdicts, indented: this boot counts once, as the verdict below.
"$HOSTRUN" boot --kernel "$root/boot/vmlinuz-$rel" --initrd "$INITRD" | sed 's/^/  | /'
verdict $? "the packaged kernel boots, runs to its end, with aeration=auto by default"
echo "deb: $passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
