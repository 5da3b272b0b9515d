#!/usr/bin/env bash
# bench/ledger.sh: times `orderflow process --ledger` against the
# straightforward durable program (bench/ledger_baseline.cpp) and against
# itself in memory, on the same inputs, in the same invocation, and checks the
# durable ledger's performance targets. Run on a Release build (make build).
# Runs of the tools alternate and each figure is the median of RUNS runs:
# ratios, not absolute times, are what it reports (the machines are shared).
#
#   bench/ledger.sh                        # N=1,000,000, PRIOR=5,000,000, RUNS=3
#   N=200000 PRIOR=1000000 RUNS=3 bench/ledger.sh
#   WORK=/dev/shm/x bench/ledger.sh        # where ledgers go (default: /tmp: a disk,
#                                          # so that fsync costs what it costs)
#
# Workloads (orderflow generate, 8 products with large stock):
#   night1   N orders with ids and 2% reversals into a fresh ledger: orderflow
#            vs ledger_baseline (its results must agree record for record)
#   night2   N new orders (other ids) on a ledger that already holds PRIOR orders
#   noids    N orders without ids (they only change stock), with and without a ledger
# Peak RSS from /usr/bin/time; the time `ledger stock` takes to open the big ledger.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build}
OF=$BUILD/orderflow
BASE=$BUILD/ledger_baseline
N=${N:-1000000}
PRIOR=${PRIOR:-5000000}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/orderflow-ledger-bench}
TIME=/usr/bin/time

for bin in "$OF" "$BASE"; do
  [ -x "$bin" ] || { echo "ledger.sh: $bin is missing: run 'make build' first" >&2; exit 1; }
done
[ -x "$TIME" ] || { echo "ledger.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

# --- workloads -------------------------------------------------------------
sed -e 's/,20,/,1000000000000,/' -e 's/,30,/,1000000000000,/' "$root/data/products.csv" > "$WORK/cat.csv"
echo "generating $N-order nights and a $PRIOR-order history in $WORK ..." >&2
"$OF" generate -n "$N" -c "$WORK/cat.csv" --reversals 0.02 --seed 1 > "$WORK/night1.ndjson"
"$OF" generate -n "$N" -c "$WORK/cat.csv" --reversals 0.02 --seed 2 | sed 's/"id":"o/"id":"n/' > "$WORK/night2.ndjson"
"$OF" generate -n "$N" -c "$WORK/cat.csv" --no-ids --seed 3 > "$WORK/noids.ndjson"
"$OF" generate -n "$PRIOR" -c "$WORK/cat.csv" --reversals 0.02 --seed 4 | sed 's/"id":"o/"id":"h/' > "$WORK/history.ndjson"
"$OF" process "$WORK/history.ndjson" --ledger "$WORK/history.ledger" -c "$WORK/cat.csv" -o none -q
rm -f "$WORK/history.ndjson"

# run LABEL CMD...: runs CMD once (stdout to $WORK/out), appends "seconds maxrss_kb" to $WORK/LABEL.times
run() {
  local label=$1; shift
  "$TIME" -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/out"
  cat "$WORK/time.txt" >> "$WORK/$label.times"
}
median_col() {  # file column -> median
  sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
fresh() { rm -f "$WORK"/l.ledger*; }

for r in $(seq "$RUNS"); do
  echo "run $r of $RUNS ..." >&2
  fresh; run night1.orderflow "$OF" process "$WORK/night1.ndjson" --ledger "$WORK/l.ledger" -c "$WORK/cat.csv" -q \
    -o "$WORK/night1.out"
  fresh; run night1.baseline sh -c "exec '$BASE' '$WORK/l.ledger' '$WORK/cat.csv' '$WORK/night1.ndjson' > '$WORK/night1.base'"
  fresh; cp "$WORK/history.ledger" "$WORK/l.ledger"; sync
  run night2.orderflow "$OF" process "$WORK/night2.ndjson" --ledger "$WORK/l.ledger" -q -o none
  fresh; run noids.ledger "$OF" process "$WORK/noids.ndjson" --ledger "$WORK/l.ledger" -c "$WORK/cat.csv" -q -o none
  run noids.memory "$OF" process "$WORK/noids.ndjson" -c "$WORK/cat.csv" -q -o none
  run open.big "$OF" ledger stock "$WORK/history.ledger"
done
# Same decisions: status and reason of every record (the baseline writes short lines).
status_of() { sed -E 's/.*"status":"([A-Za-z]+)"(,"reason":"([a-z_]+)")?.*/\1 \3/' "$1"; }
if ! cmp -s <(status_of "$WORK/night1.out") <(status_of "$WORK/night1.base"); then
  echo "ledger.sh: ledger_baseline's decisions differ from orderflow's" >&2; exit 1
fi
orders=$(sqlite3 "$WORK/history.ledger" 'select count(*) from orders' 2>/dev/null || echo "?")
hist_mb=$(du -m "$WORK/history.ledger" | cut -f1)

# --- report ----------------------------------------------------------------
rate() { awk -v n="$N" -v s="$1" 'BEGIN { printf "%.0f", n / s / 1e3 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }
pass=0; fail=0
check() {  # description ok(1/0) detail
  if [ "$2" = 1 ]; then pass=$((pass + 1)); echo "  MET      $1 ($3)"; else fail=$((fail + 1)); echo "  NOT MET  $1 ($3)"; fi
}

echo
echo "orderflow --ledger: $N orders per night, a history of $orders orders ($hist_mb MB), median of $RUNS runs, $(nproc) CPUs, ledgers in $WORK"
printf '%-18s %12s %12s  %s\n' run "k orders/s" "peak RSS MB" "all runs (s)"
for label in night1.orderflow night1.baseline night2.orderflow noids.ledger noids.memory; do
  f="$WORK/$label.times"
  printf '%-18s %12s %12s  %s\n' "$label" "$(rate "$(median_col "$f" 1)")" "$(mb "$(median_col "$f" 2)")" \
    "$(awk '{ printf "%s ", $1 }' "$f")"
done
o1=$(median_col "$WORK/night1.orderflow.times" 1); b1=$(median_col "$WORK/night1.baseline.times" 1)
o2=$(median_col "$WORK/night2.orderflow.times" 1)
nl=$(median_col "$WORK/noids.ledger.times" 1); nm=$(median_col "$WORK/noids.memory.times" 1)
rss2=$(median_col "$WORK/night2.orderflow.times" 2); open=$(median_col "$WORK/open.big.times" 1)
echo
echo "targets:"
check "night 1: orderflow --ledger >= 3x ledger_baseline" "$(ge "$(ratio "$o1" "$b1")" 3)" "$(ratio "$o1" "$b1")x"
check "night 1: >= 500k orders/s" "$(ge "$(rate "$o1")" 500)" "$(rate "$o1")k/s"
check "night 2 (on $orders orders) >= 0.7x night 1" "$(ge "$(ratio "$o2" "$o1")" 0.7)" "$(ratio "$o2" "$o1")x"
check "no ids: --ledger >= 0.5x in memory" "$(ge "$(ratio "$nl" "$nm")" 0.5)" "$(ratio "$nl" "$nm")x"
# The run's own ids: about 40 bytes each in the in-memory index (bench/e2e.sh checks that).
own=$(awk -v n="$N" 'BEGIN { printf "%.0f", n * 40 / 1048576 }')
check "night 2: peak RSS < 128 MB + the run's own ids (~$own MB)" \
  "$(awk -v r="$rss2" -v o="$own" 'BEGIN { print (r / 1024 < 128 + o) ? 1 : 0 }')" "$(mb "$rss2") MB"
check "opening the $hist_mb MB ledger (ledger stock) < 0.1 s" "$(awk -v s="$open" 'BEGIN { print (s < 0.1) ? 1 : 0 }')" "${open} s"
echo
echo "$pass met, $fail not met"
