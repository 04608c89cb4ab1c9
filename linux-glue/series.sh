#!/bin/bash
# The patch series for distro kernels: git format-patch against Linux 6.12,
# made from this tree.  linux-6.12.patch is split in two (the allocator
# hooks, then the switch to mm/aeration/), and the files of mm/aeration/
# come one logical change at a time, each with its Kconfig entries, Kbuild
# lines and MAINTAINERS section.  Nothing here is written twice: every file
# comes from the tree as it is.
#
#   linux-glue/series.sh PRISTINE_LINUX_SRC OUTDIR
set -euo pipefail

src=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

who="Aeration Developers <aeration@example.org>"
export GIT_AUTHOR_NAME="${who% <*}" GIT_COMMITTER_NAME="${who% <*}"
export GIT_AUTHOR_EMAIL=aeration@example.org GIT_COMMITTER_EMAIL=aeration@example.org
# Fixed dates: the same tree makes the same series.
export GIT_AUTHOR_DATE="2026-11-26T12:00:00Z" GIT_COMMITTER_DATE="2026-11-26T12:00:00Z"
g() { git -C "$work" -c core.autocrlf=false "$@"; }

# The kernel files the series changes, as Linux 6.12 has them.
base_files="mm/Kconfig mm/Makefile mm/page_alloc.c mm/page_isolation.c mm/page_reporting.h
	include/linux/page_reporting.h drivers/hv/hv_balloon.c MAINTAINERS Documentation/admin-guide/mm/index.rst"
for f in $base_files; do
	mkdir -p "$work/$(dirname "$f")"
	cp "$src/$f" "$work/$f"
done
g init -q
g add -A
g commit -qm "Linux 6.12 (the files this series changes)"

# $(glue FILE [HUNK-PATTERN]): linux-6.12.patch's diff of FILE, only the
# hunks that contain HUNK-PATTERN if given.
glue() {
	awk -v file="$1" -v pat="${2:-}" '
	function flush() { if (hunk != "" && (pat == "" || index(hunk, pat))) printf "%s", hunk; hunk = "" }
	/^diff / { flush(); infile = ($0 ~ " b/" file "$"); head = ""; next }
	!infile { next }
	/^(---|\+\+\+) / { printf "%s\n", $0; next }
	/^@@ / { flush() }
	{ hunk = hunk $0 "\n" }
	END { flush() }' "$top/linux-glue/linux-6.12.patch"
}
apply_glue() { glue "$@" | patch -s -p1 -d "$work" --no-backup-if-mismatch; }

# $(kconfig SYMBOL...): our Kconfig with only these entries.
kconfig() {
	awk -v want=" $* " '
	/^config / { inblock = 1; keep = index(want, " " $2 " ") > 0 }
	!inblock || keep' "$top/Kconfig" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# $(kbuild SYMBOL...): our Kbuild with the lines of these options only.
kbuild() {
	awk -v want=" $* " '
	match($0, /CONFIG_[A-Z0-9_]+/) {
		sym = substr($0, RSTART + 7, RLENGTH - 7)
		if (index(want, " " sym " ") == 0) next
	}
	{ print }' "$top/Kbuild"
}

# put FILE...: copy from this tree to mm/aeration/ (Documentation/ as is).
put() {
	local f dst
	for f; do
		case $f in Documentation/*) dst=$f ;; *) dst=mm/aeration/$f ;; esac
		mkdir -p "$work/$(dirname "$dst")"
		cp "$top/$f" "$work/$dst"
	done
}

# without SYMBOL FILE: FILE in mm/aeration/ minus its #ifdef CONFIG_SYMBOL
# blocks, for the patches before the one that adds SYMBOL.
without() {
	awk -v start="#ifdef CONFIG_$1" '
	$0 == start { skip = 1; depth = 0; next }
	skip && /^#if/ { depth++ }
	skip && /^#endif/ { if (depth-- == 0) { skip = 0; gap = last == "" } next }
	skip { next }
	gap && $0 == "" { gap = 0; next }	# no double blank line where a block was
	{ gap = 0; last = $0; print }' "$work/mm/aeration/$2" > "$work/mm/aeration/$2.new"
	mv "$work/mm/aeration/$2.new" "$work/mm/aeration/$2"
}

# maintainers TEXT: add a section (sections are sorted; ours go before AF8133J).
maintainers() {
	awk -v text="$1" '/^AF8133J / && !done { printf "%s\n\n", text; done = 1 } { print }' \
		"$work/MAINTAINERS" > "$work/MAINTAINERS.new"
	mv "$work/MAINTAINERS.new" "$work/MAINTAINERS"
}

commit() {
	g add -A
	g commit -q -s -F -
}

# --- 1: the hooks, no-ops until something provides them ------------------
apply_glue mm/page_alloc.c
apply_glue mm/page_isolation.c
apply_glue mm/page_reporting.h "#ifndef CONFIG_AERATION"
commit <<'EOF'
mm/page_alloc: let page reporting keep blocks whose frames are gone

Free page reporting assumes the host refaults a reported page on first
touch (virtio-balloon, Hyper-V).  Xen cannot: a frame given back with
XENMEM_decrease_reservation is gone until the guest populates it again,
and until then it reads as all-ones and drops writes.  Such a block must
get its frames back before it leaves the free list, and must not leave it
at all if they do not come back.

Add five hooks where a reported block leaves its free list, all no-ops
for stock page reporting:

 - page_reported_merge() before a reported buddy merges, after the
   migratetype check (no frames come back for a merge that does not
   happen); false keeps the two apart.
 - page_reported_reclaim() before __isolate_free_page(), pageblock
   isolation and its undo, hwpoison and the isolation test of memory
   offlining take a reported block; false leaves the block where it is
   (offlining then retries, as for a page it cannot migrate; the undo
   moves the block instead of isolating it).
 - page_reported_clear() in __del_page_from_free_list() instead of
   __ClearPageReported(); it keeps the mark if the frames stayed gone.
 - page_reported_whole() in expand(): such a block is not split, so no
   half or guard page can carry gone frames back to a free list.
 - page_reported_hold() in rmqueue_buddy() and rmqueue_bulk(): the whole
   block is kept off the free lists and the allocation takes another, as
   both already do after a bad page, at most PAGE_REPORTED_MAX_HOLDS (4)
   times: a hypervisor out of memory costs an allocation a few failed
   calls, not one per reported block with interrupts off.

No functional change.
EOF

# --- 2: the engine, with the virtio backend it must keep working -------------
apply_glue mm/Kconfig
apply_glue mm/Makefile
cp "$src/mm/page_reporting.h" "$work/mm/page_reporting.h"
apply_glue mm/page_reporting.h
apply_glue include/linux/page_reporting.h
put core/aeration.c core/aeration.h core/delay.c core/delay.h core/glue.h \
	core/policy.c \
	linux-glue/mm.c linux-glue/sysfs.c linux-glue/trace.c linux-glue/trace.h \
	linux-glue/glue.h linux-glue/aeration_mm.h linux-glue/aeration_kunit.c \
	tests/kernel/choice_kunit.c \
	core/backend.h backends/virtio.c
without AERATION_HYPERV linux-glue/aeration_kunit.c
kconfig AERATION AERATION_VIRTIO AERATION_KUNIT_TEST > "$work/mm/aeration/Kconfig"
kbuild AERATION_KUNIT_TEST > "$work/mm/aeration/Kbuild"
maintainers "FREE PAGE AERATION
M:	$who
L:	linux-mm@kvack.org
S:	Maintained
F:	mm/aeration/"
commit <<'EOF'
mm: add aeration, free page reporting for every hypervisor

Distributions ship one kernel for every cloud, but free page reporting
only knows refaulting hosts, reports a block two seconds after the last
pass at the earliest, and has no way for a host to keep frames.  Aeration
replaces mm/page_reporting.c with one engine and a backend chosen at boot
by aeration= (off, auto, or a list), and keeps page_reporting_register()
so virtio_balloon works unchanged; it becomes the virtio backend.
A registration may carry a name: hv_balloon's (the next patch) makes it
the hv_balloon backend, which aeration= names apart from virtio.

 - core/: the engine.  It walks the free lists from the top order down,
   isolates up to a batch of unreported blocks, reports them without
   locks, and puts them back marked.  The delay adapts (core/delay.c):
   the first pass waits until freed memory has aged two seconds, the rest
   of the backlog drains every 100 ms, and when the same memory goes
   around (freed, reported, reused) twice in a row the age goes to eight
   seconds until a quiet spell.  Failing reports back off.  The engine
   builds in user space too, for unit tests and fuzzing.
 - linux-glue/: the page allocator side, the hooks of the previous patch,
   the pass worker, /sys/kernel/mm/aeration/ (counters and tunables), a
   debugfs knob to inject failures, the trace events aeration:report,
   aeration:reclaim and aeration:fail, and KUnit tests against the real
   allocator.

With no backend active every hook is a static branch that is not taken.
In an SEV or TDX guest no backend is used, virtio included (stock page
reporting would report there): free memory there is private.
EOF

# --- 3: hv_balloon names itself, for the Hyper-V maintainers ---------------------
apply_glue drivers/hv/hv_balloon.c
commit <<'EOF'
Drivers: hv: balloon: name the free page reporting device

Free page aeration tells page reporting devices apart by name, so that
aeration= can choose between hv_balloon's cold discard hints and the
other backends, and the log and /sys/kernel/mm/aeration/backend say
hv_balloon rather than virtio.  virtio_balloon, the other user, stays
unnamed and is taken as virtio.
EOF

# --- 4: Xen ----------------------------------------------------------------------
put backends/xen.c
kconfig AERATION AERATION_VIRTIO AERATION_XEN AERATION_KUNIT_TEST > "$work/mm/aeration/Kconfig"
kbuild AERATION_XEN AERATION_KUNIT_TEST > "$work/mm/aeration/Kbuild"
maintainers "FREE PAGE AERATION, XEN BACKEND
M:	$who
L:	xen-devel@lists.xenproject.org
S:	Maintained
F:	mm/aeration/backends/xen.c"
commit <<'EOF'
mm/aeration: add a Xen backend

Xen guests only give memory back when a balloon target says so.  Report
free blocks with XENMEM_decrease_reservation (512 frames per call) and
populate them again with XENMEM_populate_physmap before the allocator
hands them out.  Reclaim runs under the zone lock with interrupts off:
it neither sleeps nor sends IPIs.

 - PV: the p2m and the direct map follow, as drivers/xen/balloon.c does,
   in one batched mmu_update per batch; the p2m says which frames are
   gone.
 - PVH and HVM: gfns, with a bitmap of those gone, so that a report or
   reclaim that fails half way is retried without populating a gfn twice.
   An aligned 2 MiB comes back as one extent_order 9 extent, which Xen
   maps with a superpage again.  HVM guests that may use
   populate-on-demand (maxmem more than 32 MiB above the reservation)
   are refused.
 - Frames are scrubbed before Xen has them (xen_scrub_pages, as the
   balloon driver does), and filled again when they come back if
   init_on_free or page poisoning expect zeros or the poison value.
 - A dom0 is aerated only when aeration= names xen: the toolstack gives
   what it hands back to new domains.

If Xen has no memory for the frames, the block stays out of the
allocator, as a ballooned page does, and is offered again every second.
EOF

# --- 5: Hyper-V --------------------------------------------------------------------
put backends/hyperv.c backends/hyperv.h backends/hyperv_hint.c \
	tests/kernel/hyperv_test_host.c tests/kernel/hyperv_wire.h tests/kernel/hyperv_kunit.c \
	linux-glue/aeration_kunit.c
kconfig AERATION AERATION_VIRTIO AERATION_XEN AERATION_HYPERV AERATION_HYPERV_TEST_HOST \
	AERATION_KUNIT_TEST > "$work/mm/aeration/Kconfig"
kbuild AERATION_XEN AERATION_HYPERV AERATION_HYPERV_TEST_HOST AERATION_KUNIT_TEST \
	> "$work/mm/aeration/Kbuild"
maintainers "FREE PAGE AERATION, HYPER-V BACKEND
M:	$who
L:	linux-hyperv@vger.kernel.org
S:	Maintained
F:	mm/aeration/backends/hyperv*
F:	mm/aeration/tests/kernel/hyperv*"
commit <<'EOF'
mm/aeration: add a Hyper-V backend

Hint free blocks to Hyper-V with HvExtCallMemoryHeatHint, type cold
discard, when the partition may make extended hypercalls and the host
reports the cold-discard capability.  Neighbouring blocks merge into one
range; blocks of 2 MiB and more go as large-page units.  If the host
refuses 4 KiB units the backend reports 2 MiB blocks only, as hv_balloon
does; after three failed hints in a row it stops.  An isolated
partition of any type (leaf 0x4000000C, as ms_hyperv_init_platform()
reads it) is refused, as upstream refuses hv_balloon's VMBus offer there:
an SNP or TDX guest's private memory must not be discarded.  arm64 reads
the same features from Hyper-V's registers; kernels with 16K or 64K pages
do not get the backend, whose hints count 4 KiB frames.

AERATION_HYPERV_TEST_HOST, for testing only, sends the backend's CPUID
queries and hypercalls over COM2 to a host written from the TLFS, which
discards the guest's memory for real: that is how the backend is tested
where no Hyper-V host exists.
EOF

# --- 6: documentation --------------------------------------------------------------
put Documentation/admin-guide/mm/aeration.rst
sed -i 's/^   concepts$/   concepts\n   aeration/' "$work/Documentation/admin-guide/mm/index.rst"
awk '/^FREE PAGE AERATION$/ { s = 1 } s && /^F:\tmm\/aeration\/$/ {
	print "F:\tDocumentation/admin-guide/mm/aeration.rst"; s = 0 } { print }' \
	"$work/MAINTAINERS" > "$work/MAINTAINERS.new"
mv "$work/MAINTAINERS.new" "$work/MAINTAINERS"
commit <<'EOF'
Documentation/admin-guide/mm: document aeration

What aeration does, what each hypervisor needs, the aeration= boot
parameter, the files in /sys/kernel/mm/aeration/, the trace events, and
when to turn it off.
EOF

# --- the series ---------------------------------------------------------------------
rm -rf "$out"
mkdir -p "$out"
g format-patch -q --cover-letter -o "$out" HEAD~6
cover=$(ls "$out"/0000-*.patch)
python3 - "$cover" "$top/linux-glue/series-cover.txt" <<'PY'
import sys
cover, blurb = sys.argv[1], open(sys.argv[2]).read()
subject, _, body = blurb.partition("\n\n")
s = open(cover).read()
s = s.replace("*** SUBJECT HERE ***", subject.strip())
s = s.replace("*** BLURB HERE ***", body.strip())
open(cover, "w").write(s)
PY
ls "$out"
