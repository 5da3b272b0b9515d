#!/usr/bin/env bash
# bench/e2e.sh: times `orderflow process` end to end against the simplest
# alternatives on the same input, in the same invocation, and checks the
# performance targets of the project's performance issue. Run on a Release
# build (make build). Ratios, not absolute times, are what it reports: the
# machines are shared and noisy, so runs of the tools alternate and each
# figure is the median of RUNS runs.
#
#   bench/e2e.sh                 # 5,000,000 orders per workload, 3 runs each
#   N=1000000 RUNS=5 bench/e2e.sh
#   WORK=/tmp/e2e bench/e2e.sh   # where inputs/outputs go (default: /dev/shm)
#
# Workloads (orderflow generate): uniform over the 8 built-in products with
# large stock, hot:0.99, zipf:1.1 over 100,000 products; each with ids and
# with --no-ids. Tools: orderflow (default settings), bench/baseline_sequential
# (a careful single-threaded C++ program; its output must be byte-identical),
# `wc -l` (a floor: just reading the lines), and gawk/mawk running
# bench/orders.awk (same semantics and output). Peak RSS from /usr/bin/time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build}
OF=$BUILD/orderflow
BASE=$BUILD/baseline_sequential
N=${N:-5000000}
N_SMALL=${N_SMALL:-1000000}
RUNS=${RUNS:-3}
WORK=${WORK:-$( [ -d /dev/shm ] && echo /dev/shm/orderflow-e2e || echo /tmp/orderflow-e2e )}
AWK=$(command -v gawk || command -v mawk || true)
TIME=/usr/bin/time

for bin in "$OF" "$BASE"; do
  [ -x "$bin" ] || { echo "e2e.sh: $bin is missing: run 'make build' first" >&2; exit 1; }
done
[ -x "$TIME" ] || { echo "e2e.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

# --- workloads -------------------------------------------------------------
sed -e 's/,20,/,1000000000000,/' -e 's/,30,/,1000000000000,/' "$root/data/products.csv" > "$WORK/big8.csv"
gen() {  # name catalog-args generate-args...
  local name=$1; shift
  "$OF" generate -n "$N" "$@" > "$WORK/$name.ndjson"
}
echo "generating workloads of $N orders in $WORK ..." >&2
"$OF" generate -n 1 --products 100000 --stock 1000000000 --catalog-out "$WORK/zipf.csv" > /dev/null
gen uniform      -c "$WORK/big8.csv" --dist uniform
gen hot          -c "$WORK/big8.csv" --dist hot:0.99
gen zipf         -c "$WORK/zipf.csv" --dist zipf:1.1
gen uniform-noid -c "$WORK/big8.csv" --dist uniform --no-ids
gen hot-noid     -c "$WORK/big8.csv" --dist hot:0.99 --no-ids
gen zipf-noid    -c "$WORK/zipf.csv" --dist zipf:1.1 --no-ids
"$OF" generate -n "$N_SMALL" -c "$WORK/big8.csv" --no-ids > "$WORK/small-noid.ndjson"
catalog_of() { case $1 in zipf*) echo "$WORK/zipf.csv" ;; *) echo "$WORK/big8.csv" ;; esac; }

# --- measuring -------------------------------------------------------------
# run LABEL OUTFILE CMD...: runs CMD once (it writes its results to OUTFILE,
# which is removed first: truncating a big old file would be timed too; its
# stdout goes to $WORK/out), appends "seconds maxrss_kb" to $WORK/LABEL.times
run() {
  local label=$1 outfile=$2; shift 2
  rm -f "$outfile" "$WORK/out"
  "$TIME" -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/out"
  cat "$WORK/time.txt" >> "$WORK/$label.times"
}
median_col() {  # file column -> median
  sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

workloads="uniform hot zipf uniform-noid hot-noid zipf-noid"
for w in $workloads; do
  cat=$(catalog_of "$w")
  in="$WORK/$w.ndjson"
  for r in $(seq "$RUNS"); do
    run "$w.orderflow" "$WORK/out.orderflow" "$OF" process "$in" -c "$cat" -q -o "$WORK/out.orderflow"
    run "$w.baseline" "$WORK/out.baseline" sh -c "exec '$BASE' -c '$cat' '$in' > '$WORK/out.baseline'"
    run "$w.wc" "$WORK/out" wc -l "$in"
    if [ -n "$AWK" ]; then run "$w.awk" "$WORK/out.awk" sh -c "exec '$AWK' -F, -f '$here/orders.awk' '$cat' '$in' > '$WORK/out.awk'"; fi
  done
  if ! cmp -s "$WORK/out.orderflow" "$WORK/out.baseline"; then
    echo "e2e.sh: $w: baseline_sequential's output differs from orderflow's" >&2; exit 1
  fi
  if [ -n "$AWK" ] && ! cmp -s "$WORK/out.orderflow" "$WORK/out.awk"; then
    echo "e2e.sh: $w: the awk script's output differs from orderflow's" >&2; exit 1
  fi
done
# Scaling, generate speed and flat memory.
for r in $(seq "$RUNS"); do
  run scale.w1 "$WORK/out.w" "$OF" process "$WORK/uniform.ndjson" -c "$WORK/big8.csv" -q -o "$WORK/out.w" -w 1
  run scale.w2 "$WORK/out.w" "$OF" process "$WORK/uniform.ndjson" -c "$WORK/big8.csv" -q -o "$WORK/out.w" -w 2
  # The same default run confined to one CPU: what the second core adds.
  if command -v taskset >/dev/null; then
    run scale.cpu1 "$WORK/out.w" taskset -c 0 "$OF" process "$WORK/uniform.ndjson" -c "$WORK/big8.csv" -q -o "$WORK/out.w"
  fi
  run generate "$WORK/out" "$OF" generate -n "$N" -c "$WORK/big8.csv"
  run small-noid.orderflow "$WORK/out.small" "$OF" process "$WORK/small-noid.ndjson" -c "$WORK/big8.csv" -q -o "$WORK/out.small"
done
rm -f "$WORK"/out*

# --- report ----------------------------------------------------------------
rate() { awk -v n="$N" -v s="$1" 'BEGIN { printf "%.2f", n / s / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
pass=0; fail=0
check() {  # description ok(1/0) detail
  if [ "$2" = 1 ]; then pass=$((pass + 1)); echo "  MET      $1 ($3)"; else fail=$((fail + 1)); echo "  NOT MET  $1 ($3)"; fi
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }

echo
echo "orderflow end to end: $N orders per workload, median of $RUNS runs, $(nproc) CPUs"
printf '%-14s %-10s %10s %12s %12s  %s\n' workload tool "M orders/s" "x baseline" "peak RSS MB" "all runs (s)"
for w in $workloads; do
  b=$(median_col "$WORK/$w.baseline.times" 1)
  for tool in orderflow baseline wc awk; do
    f="$WORK/$w.$tool.times"
    [ -f "$f" ] || continue
    s=$(median_col "$f" 1); m=$(median_col "$f" 2)
    name=$tool; [ "$tool" = awk ] && name=$(basename "$AWK")
    printf '%-14s %-10s %10s %12s %12s  %s\n' "$w" "$name" "$(rate "$s")" "$(ratio "$s" "$b")" "$(mb "$m")" \
      "$(awk '{ printf "%s ", $1 }' "$f")"
  done
done
echo
echo "targets:"
for w in $workloads; do
  o=$(median_col "$WORK/$w.orderflow.times" 1); b=$(median_col "$WORK/$w.baseline.times" 1)
  check "$w: orderflow >= 1.7x baseline_sequential" "$(ge "$(ratio "$o" "$b")" 1.7)" "$(ratio "$o" "$b")x"
done
small=$(median_col "$WORK/small-noid.orderflow.times" 2); big=$(median_col "$WORK/uniform-noid.orderflow.times" 2)
flat=$(awk -v a="$small" -v b="$big" 'BEGIN { d = (b - a) / a; if (d < 0) d = -d; print (d <= 0.10) ? 1 : 0 }')
check "no ids: peak RSS flat between $N_SMALL and $N orders (within 10%)" "$flat" "$(mb "$small") MB vs $(mb "$big") MB"
check "no ids: peak RSS under 64 MB" "$(awk -v b="$big" 'BEGIN { print (b < 65536) ? 1 : 0 }')" "$(mb "$big") MB"
for w in uniform hot zipf; do
  with=$(median_col "$WORK/$w.orderflow.times" 2); without=$(median_col "$WORK/$w-noid.orderflow.times" 2)
  per=$(awk -v a="$with" -v b="$without" -v n="$N" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }')
  check "$w: at most 40 bytes per remembered id" "$(awk -v p="$per" 'BEGIN { print (p <= 40) ? 1 : 0 }')" "$per bytes/id"
done
g=$(median_col "$WORK/generate.times" 1); p=$(median_col "$WORK/uniform.orderflow.times" 1)
check "generate >= 5x faster than process on its output" "$(ge "$(ratio "$g" "$p")" 5)" "$(ratio "$g" "$p")x"
w1=$(median_col "$WORK/scale.w1.times" 1); w2=$(median_col "$WORK/scale.w2.times" 1)
check "uniform: --workers 2 >= 1.5x --workers 1" "$(ge "$(ratio "$w2" "$w1")" 1.5)" "$(ratio "$w2" "$w1")x"
if [ -f "$WORK/scale.cpu1.times" ]; then
  c1=$(median_col "$WORK/scale.cpu1.times" 1)
  check "uniform: 2 CPUs >= 1.5x 1 CPU (taskset -c 0), default settings" "$(ge "$(ratio "$w2" "$c1")" 1.5)" \
    "$(ratio "$w2" "$c1")x"
fi
echo
echo "$pass met, $fail not met"
