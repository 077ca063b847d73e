#!/bin/sh
# quiet.sh NAME LOG COMMAND...: runs one step of make check with its
# output in LOG.  On success one line: the step, its seconds and the
# summary line of a test runner or fuzz target; on failure the whole log,
# then the exit status.  V=1 runs the command as it is.
name=$1
log=$2
shift 2
if [ "${V:-0}" = 1 ]; then
	exec "$@"
fi
mkdir -p "$(dirname "$log")"
start=$(date +%s)
if "$@" >"$log" 2>&1; then
	# Criterion's Synthesis line, or libFuzzer's last "Done N runs".
	summary=$(grep -E 'Synthesis:|^Done [0-9]+ runs' "$log" | tail -n 1 |
	    sed 's/^\[====\] //')
	printf '%-22s ok %4ss  %s\n' "$name" "$(($(date +%s) - start))" \
	    "$summary"
	exit 0
else
	rc=$?
	cat "$log"
	printf '%-22s FAILED (exit %s); the output above is in %s\n' \
	    "$name" "$rc" "$log"
	exit "$rc"
fi
