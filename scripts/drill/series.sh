#!/usr/bin/env bash
# The drills on the real Temporal server, each fault RUNS times in a row, one summary line per
# run and "N passed, M failed" at the end; exit 1 when any failed.
#
#   scripts/drill/series.sh [RUNS=5] [CUSTOMERS=50] [FAULTS="worker temporal temporal-db billing-db"]
#
# Each run: engine 'server' (16 history shards), two worker processes, two faults (one while
# drafts are made, one while invoices are issued); see scripts/kill-worker-during-close.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
customers=${2:-50}
faults=${3:-worker temporal temporal-db billing-db}
logs=$(mktemp -d "${TMPDIR:-/tmp}/month-close-drills-XXXXXX")
passed=0
failed=0
for fault in $faults; do
  for run in $(seq 1 "$runs"); do
    out="$logs/$fault-$run.out"
    LOG_LEVEL=warn npx tsx scripts/kill-worker-during-close.ts --engine server --customers "$customers" --workers 2 --kills 2 \
      --fault "$fault" --timeout-minutes 10 >"$out" 2>"$logs/$fault-$run.err"
    code=$?
    line=$(grep '^CRASH_RESULT ' "$out" | sed 's/^CRASH_RESULT //' | node -e '
      const r = JSON.parse(require("fs").readFileSync(0, "utf8") || "{}");
      const at = (r.checks || []).find((c) => c.name === "every delivery at its receiver");
      const repeats = at ? (/repeats under the same key: ([^;]*)/.exec(at.detail) || [])[1] : "?";
      const failed = (r.checks || []).filter((c) => !c.ok).map((c) => c.name);
      console.log(`${r.ok ? "ok    " : "FAILED"} ${r.wallSeconds ?? "?"} s, faults at ${(r.kills || []).map((k) => k.trigger).join(" / ") || "none"}, repeats ${repeats}` +
        (failed.length ? `; failed: ${failed.join("; ")}` : "") + (r.timeout ? `; timeout: ${r.timeout}` : "") + (r.error ? `; error: ${r.error}` : ""));
    ' 2>/dev/null || echo "FAILED no result (exit $code)")
    echo "$fault #$run: $line"
    if [ "$code" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
done
echo "drills on the Temporal server: $passed passed, $failed failed (logs in $logs)"
[ "$failed" -eq 0 ]
