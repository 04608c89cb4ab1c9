# Sourced by the tests/dist scripts: PASS/FAIL lines, counted.
passed=0 failed=0
verdict() {
	local ok=$1; shift
	if [ "$ok" = 0 ]; then
		echo "PASS $*"; passed=$((passed + 1))
	else
		echo "FAIL $*"; failed=$((failed + 1))
	fi
}
