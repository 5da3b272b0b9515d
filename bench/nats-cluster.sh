#!/usr/bin/env bash
# A 3-node NATS JetStream cluster on 127.0.0.1 a person can try (docs/nats.md):
# starts three nats-server processes on free ports with their JetStream stores
# in a temporary folder, publishes a generated stream with `submit`, runs three
# `serve --partition K/3` and `results`, checks the results are byte for byte
# those of one `process` over the same input, prints both throughputs and
# their ratio, and stops and removes everything on every path (Ctrl-C too).
#
#   bench/nats-cluster.sh                 # 200000 records, 10% reversals
#   COUNT=1000000 bench/nats-cluster.sh   # more
#   PARTITIONS=1 bench/nats-cluster.sh    # serve partitions (default 3)
#   LEDGER=0 bench/nats-cluster.sh        # against in-memory process (default: process --ledger)
#   RUNS=5 bench/nats-cluster.sh          # 5 alternating rounds (process, cluster), median ratio
#   SERVE_OPTS=--fetch=16 SUBMIT_OPTS=--records-per-message=4000 bench/nats-cluster.sh
#   GEN_OPTS="--baskets 0.1 --max-items 4" bench/nats-cluster.sh   # more options for `generate`
#   KEEP=1 bench/nats-cluster.sh          # leave the cluster up; prints how to use it
# Needs: nats-server (Debian package nats-server), a built build/orderflow.
set -euo pipefail

BIN=${ORDERFLOW:-$(cd "$(dirname "$0")/.." && pwd)/build/orderflow}
COUNT=${COUNT:-200000}
PRODUCTS=${PRODUCTS:-1000}
KEEP=${KEEP:-0}
PARTITIONS=${PARTITIONS:-3}
RUNS=${RUNS:-1}
command -v nats-server >/dev/null || { echo "nats-server not found (apt-get install nats-server)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "$BIN not built (make build)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/orderflow-nats.XXXXXX")
pids=()
cleanup() {
  code=$?
  if [ "$code" != 0 ] && [ "$code" != 130 ] && [ "$code" != 143 ]; then tail -n 5 "$dir"/n*.log >&2 || true; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

used=" "
free_port() {  # a port nothing listens on (and not handed out already)
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    case "$used" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then used="$used$p "; echo "$p"; return; fi
  done
}

client=() route=()
for i in 1 2 3; do client+=("$(free_port)"); route+=("$(free_port)"); done
urls="nats://127.0.0.1:${client[0]},nats://127.0.0.1:${client[1]},nats://127.0.0.1:${client[2]}"
for i in 0 1 2; do
  routes=""
  for j in 0 1 2; do [ "$j" = "$i" ] || routes="$routes${routes:+, }nats-route://127.0.0.1:${route[$j]}"; done
  cat >"$dir/n$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:${client[$i]}
max_payload: 8MB
jetstream { store_dir: "$dir/store$i" }
cluster { name: orderflow, listen: 127.0.0.1:${route[$i]}, routes: [ $routes ] }
CONF
  nats-server -c "$dir/n$i.conf" >"$dir/n$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  up=0
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/${client[$i]}") 2>/dev/null && { up=1; break; }; sleep 0.1; done
  [ "$up" = 1 ] || { echo "nats-server n$i did not start" >&2; exit 1; }
done
echo "cluster: $urls (logs and stores in $dir)"

"$BIN" generate -n "$COUNT" --products "$PRODUCTS" --stock 1000 --catalog-out "$dir/catalog.csv" \
  --reversals 0.1 --invalid 0.01 --seed 7 ${GEN_OPTS:-} >"$dir/orders.ndjson"
ledger_opt=()
if [ "${LEDGER:-1}" = 1 ] && "$BIN" process --help 2>&1 | grep -q -- '--ledger'; then
  ledger_opt=(--ledger "$dir/process.ledger")
fi
now() { date +%s.%N; }
# CPU seconds a process used so far (utime + stime from /proc), to see what
# the two cores were spent on.
clk=$(getconf CLK_TCK)
cpu_of() { awk -v t="$clk" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
nats_cpu() { local sum=0 i; for i in 0 1 2; do sum=$(awk -v a="$sum" -v b="$(cpu_of "${pids[$i]}")" 'BEGIN { print a + b }'); done; echo "$sum"; }

# RUNS rounds, alternating: one `process` (the baseline), then the cluster on
# a fresh stream DEMO<r> with fresh partitions. Each round prints its ratio;
# the last line is the median.
ratios=()
for r in $(seq "$RUNS"); do
  stream=DEMO$r
  rm -f "$dir/process.ledger"*
  t0=$(now)
  "$BIN" process -c "$dir/catalog.csv" "${ledger_opt[@]}" -o "$dir/process.ndjson" -q "$dir/orders.ndjson"
  t1=$(now)

  # The streams and the catalog first (an empty submit), and the partitions
  # started and waiting, as a deployment has them: the clock then measures
  # the stream itself, from the first record submitted to the last result
  # written.
  "$BIN" submit --nats "$urls" --stream "$stream" -c "$dir/catalog.csv" -q /dev/null
  serve_pids=()
  for k in $(seq "$PARTITIONS"); do
    ${PERF:+perf record -g -o "$PERF.$r.$k"} "$BIN" serve --nats "$urls" --stream "$stream" --partition "$k/$PARTITIONS" \
      --ledger "$dir/$stream.p$k.ledger" -v ${SERVE_OPTS:-} 2>"$dir/serve$k.log" &
    serve_pids+=($!)
    pids+=($!)
  done
  sleep 1
  nats0=$(nats_cpu)
  t2=$(now)
  TIMEFORMAT="submit cpu: %U user %S sys"
  time "$BIN" submit --nats "$urls" --stream "$stream" -c "$dir/catalog.csv" ${SUBMIT_OPTS:-} "$dir/orders.ndjson"
  t_sub=$(now)
  TIMEFORMAT="results cpu: %U user %S sys"
  time "$BIN" results --nats "$urls" --stream "$stream" -o "$dir/results.ndjson" --summary "$dir/summary.json" -q
  t3=$(now)
  nats1=$(nats_cpu)
  cpu_serve=""; for p in "${serve_pids[@]}"; do cpu_serve="$cpu_serve $(cpu_of "$p")"; done
  for p in "${serve_pids[@]}"; do kill -INT "$p"; done
  for p in "${serve_pids[@]}"; do wait "$p" || true; done
  cat "$dir"/serve*.log

  if cmp -s "$dir/process.ndjson" "$dir/results.ndjson"; then
    echo "results: identical to process ($(wc -l <"$dir/results.ndjson") lines)"
  else
    echo "results DIFFER from process:"; diff "$dir/process.ndjson" "$dir/results.ndjson" | head -20; exit 1
  fi
  ratio=$(awk -v n="$COUNT" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "%.3f", (b - a) / (d - c) }')
  ratios+=("$ratio")
  awk -v n="$COUNT" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v ts="$t_sub" -v parts="$PARTITIONS" \
      -v l="${ledger_opt[*]:+ --ledger}" -v r="$r" -v q="$ratio" 'BEGIN {
    printf "round %d: process%s: %.0f records/s (%.2f s)\n", r, l, n / (b - a), b - a
    printf "round %d: submit + %d x serve + results on the 3-node cluster: %.0f records/s (%.2f s; submit %.2f s)\n", r, parts, n / (d - c), d - c, ts - c
    printf "round %d: ratio: %sx\n", r, q }'
  echo "round $r: cpu seconds: nats-server (3 nodes) $(awk -v a="$nats0" -v b="$nats1" 'BEGIN { printf "%.2f", b - a }'); serve$cpu_serve"
  [ -n "${DU:-}" ] && du -sk "$dir"/store0/jetstream/*/streams/"$stream"* >&2
done
printf '%s\n' "${ratios[@]}" | sort -n | awk -v l="${ledger_opt[*]:+ --ledger}" '{ v[NR] = $1 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "ratio to process%s, median of %d rounds: %.3fx (min %.3f, max %.3f)\n", l, NR, m, v[1], v[NR] }'
if [ "$KEEP" = 1 ]; then
  echo "cluster left running; try:  $BIN results --nats $urls --stream DEMO1 --summary - -o none"
  echo "press Ctrl-C to stop it"
  wait
fi
