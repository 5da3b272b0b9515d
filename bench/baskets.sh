#!/usr/bin/env bash
# bench/baskets.sh: what linked orders (baskets, SPEC.md "Linked orders") cost
# `orderflow process`, per store, as a throughput ratio against the same
# records as single-item orders, timed in the same invocation with the runs
# alternating (the machines are shared and noisy); each figure is the median
# of RUNS runs. Run on a Release build (make build).
#
#   bench/baskets.sh                      # 1,000,000 records, 5 runs each
#   N=200000 RUNS=3 STORES="sharded atomic" bench/baskets.sh
#   WORKERS=4 bench/baskets.sh            # --workers for every run (default: orderflow's)
#   WORK=/tmp/b bench/baskets.sh          # where inputs/outputs go (default: /dev/shm)
#
# The workload: N records from `orderflow generate` over PRODUCTS (64)
# synthetic products with stock no run can exhaust, SHARE (10%) of them
# baskets of ITEMS (3) items, products uniform. Three streams of it:
#
#   baskets   the generated stream;
#   singles   the same N records, each basket replaced by a single-item order
#             for its first item (same id, same line position): the baseline.
#             Same record count, same ids, same order index work; what differs
#             is what baskets add: longer lines to parse, 3 stock operations
#             instead of 1, and with the sharded store the cross-owner vote;
#   split     each basket split into ITEMS single-item orders (ids o9, o9_2,
#             o9_3): the same units of stock work as `baskets`, without the
#             all-or-nothing link (shown for reference; more records).
#
# The ratio is baskets' records/s over singles' (both have N records), from
# the median wall-clock times: the target is >= 0.5x, beyond it >= 0.8x.
# Results are written to a file in WORK (as bench/e2e.sh does), so output
# formatting is included. The CPU ratio beside it (user + system seconds,
# /usr/bin/time) is the same comparison of the work done, which a machine
# busy with other jobs disturbs less than the wall clock; spinning while
# waiting for another owner counts as work there, sleeping does not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build}
OF=$BUILD/orderflow
N=${N:-1000000}
RUNS=${RUNS:-5}
SHARE=${SHARE:-0.1}
ITEMS=${ITEMS:-3}
PRODUCTS=${PRODUCTS:-64}
STORES=${STORES:-sharded mutex striped atomic}
WORKERS=${WORKERS:-}
WORK=${WORK:-$( [ -d /dev/shm ] && echo /dev/shm/orderflow-baskets || echo /tmp/orderflow-baskets )}

TIME=/usr/bin/time
[ -x "$OF" ] || { echo "baskets.sh: $OF is missing: run 'make build' first" >&2; exit 1; }
[ -x "$TIME" ] || { echo "baskets.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

# --- workloads -------------------------------------------------------------
echo "generating $N records ($SHARE baskets of $ITEMS items over $PRODUCTS products) in $WORK ..." >&2
"$OF" generate -n 1 --products "$PRODUCTS" --stock 1000000000000 --catalog-out "$WORK/catalog.csv" > /dev/null
"$OF" generate -n "$N" -c "$WORK/catalog.csv" --dist uniform --baskets "$SHARE" \
  --min-items "$ITEMS" --max-items "$ITEMS" > "$WORK/baskets.ndjson"
# generate writes a basket as {"id":"oN","items":[{"productId":"P","amount":A},...]}.
sed -E 's/"items":\[\{("productId":"[^"]*","amount":[0-9]+)\}[^]]*\]/\1/' \
  "$WORK/baskets.ndjson" > "$WORK/singles.ndjson"
awk '
  /"items":\[/ {
    id = $0; sub(/^\{"id":"/, "", id); sub(/".*/, "", id)
    rest = $0; sub(/^[^[]*\[/, "", rest); sub(/\]\}$/, "", rest)
    n = split(rest, parts, /\},\{/)
    for (i = 1; i <= n; i++) {
      p = parts[i]; gsub(/[{}]/, "", p)
      printf "{\"id\":\"%s%s\",%s}\n", id, (i == 1 ? "" : "_" i), p
    }
    next
  }
  { print }' "$WORK/baskets.ndjson" > "$WORK/split.ndjson"
for f in baskets singles split; do
  if grep -q '"items"' "$WORK/$f.ndjson" && [ "$f" != baskets ]; then
    echo "baskets.sh: the $f stream still has baskets (did generate's format change?)" >&2; exit 1
  fi
done
baskets=$(grep -c '"items"' "$WORK/baskets.ndjson" || true)
[ "$baskets" -gt 0 ] || { echo "baskets.sh: the generated stream has no baskets" >&2; exit 1; }
[ "$(wc -l < "$WORK/singles.ndjson")" -eq "$N" ] || { echo "baskets.sh: singles is not $N records" >&2; exit 1; }

# --- measuring -------------------------------------------------------------
# run LABEL STORE STREAM: one timed run; "wall_seconds cpu_seconds" appended to $WORK/LABEL.times
run() {
  local label=$1 store=$2 stream=$3
  rm -f "$WORK/out"
  local args=(process "$WORK/$stream.ndjson" -c "$WORK/catalog.csv" --store "$store" -q -o "$WORK/out")
  [ -n "$WORKERS" ] && args+=(--workers "$WORKERS")
  "$TIME" -f "%e %U %S" -o "$WORK/time.txt" "$OF" "${args[@]}"
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$WORK/time.txt" >> "$WORK/$label.times"
}
median() {  # file column -> median
  sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

for r in $(seq "$RUNS"); do
  for s in $STORES; do
    run "$s.singles" "$s" singles
    run "$s.baskets" "$s" baskets
    run "$s.split" "$s" split
  done
done
# Every basket is decided: the results name as many completed records as the
# stream has records that can complete (stock cannot run out here).
"$OF" process "$WORK/baskets.ndjson" -c "$WORK/catalog.csv" -q -o none --summary "$WORK/summary.json"
grep -q "\"completedOrders\":$N[,}]" "$WORK/summary.json" ||
  { echo "baskets.sh: not every record completed:" >&2; cat "$WORK/summary.json" >&2; exit 1; }

# --- report ----------------------------------------------------------------
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.2f", n / s / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }
split_n=$(wc -l < "$WORK/split.ndjson")
echo
echo "orderflow process, baskets against single-item orders: $N records, $baskets baskets of $ITEMS items" \
  "over $PRODUCTS products, median of $RUNS alternating runs, $(nproc) CPUs, workers ${WORKERS:-default}"
printf '%-8s %12s %12s %12s %8s %8s %9s  %s\n' store "singles M/s" "baskets M/s" "split M/s" ratio "cpu" "vs split" target
pass=0; fail=0
for s in $STORES; do
  a=$(median "$WORK/$s.singles.times" 1); b=$(median "$WORK/$s.baskets.times" 1); c=$(median "$WORK/$s.split.times" 1)
  ac=$(median "$WORK/$s.singles.times" 2); bc=$(median "$WORK/$s.baskets.times" 2)
  q=$(ratio "$a" "$b")
  verdict="NOT MET (>= 0.5x)"
  if [ "$(ge "$q" 0.8)" = 1 ]; then verdict="MET (>= 0.8x)"
  elif [ "$(ge "$q" 0.5)" = 1 ]; then verdict="MET (>= 0.5x)"; fi
  case $verdict in MET*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
  printf '%-8s %12s %12s %12s %7sx %7sx %8sx  %s\n' "$s" "$(rate "$N" "$a")" "$(rate "$N" "$b")" \
    "$(rate "$split_n" "$c")" "$q" "$(ratio "$ac" "$bc")" "$(ratio "$c" "$b")" "$verdict"
done
echo
echo "ratio: baskets' records/s over singles' (same $N records; a basket replaced by its first item), wall clock."
echo "cpu: the same from CPU seconds (user + system). vs split: the same units as $split_n single-item"
echo "orders (split time / baskets time)."
echo "all runs, wall seconds (cpu seconds):"
for s in $STORES; do
  for v in singles baskets split; do
    printf '  %-8s %-8s %s\n' "$s" "$v" "$(awk '{ printf "%s (%s) ", $1, $2 }' "$WORK/$s.$v.times")"
  done
done
echo "$pass met, $fail not met"
