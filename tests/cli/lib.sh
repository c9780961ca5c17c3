# Sourced by the tests/cli suites after they set cli (the binary) and
# scratch (a directory of their own): TAP counting and CLI runs whose
# output lands in $scratch/out and $scratch/err.
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$scratch/out" "$scratch/err"; }

# run EXPECTED_EXIT DESCRIPTION -- ARGS...; output in $scratch/out and /err
run() {
	local want=$1 desc=$2
	shift 3
	"$cli" "$@" >"$scratch/out" 2>"$scratch/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"; else echo "# exit $got, wanted $want"; not_ok "$desc"; fi
}
expect_out() { if grep -qF -- "$1" "$scratch/out"; then ok "$2"; else not_ok "$2"; fi; }
expect_err() { if grep -qF -- "$1" "$scratch/err"; then ok "$2"; else not_ok "$2"; fi; }
