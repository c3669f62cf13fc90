#!/usr/bin/env bash
# The same put and get loads against the kvorum distribution once per storage backend: rocksdb,
# sqlite and, optionally, a third backend from a plugin folder. One member per backend, each on a
# fresh data directory on the same disk and a free loopback port, with the same warm-up; each load
# runs on every backend in turn. Prints each line, then one table.
# Build first:  mvn -B package -DskipTests
# Usage: bench/run-backends.sh [scale] [plugin-dir backend-name]
#   scale multiplies the request counts (default 1; 0.25 for a quick look)
#   plugin-dir backend-name: also run `kvorum --plugin-dir <plugin-dir> --backend <backend-name>`
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${1:-1}
kvorum="$root/launcher/target/kvorum/bin/kvorum"
[ -x "$kvorum" ] || { echo "no distribution at $kvorum: mvn -B package -DskipTests" >&2; exit 1; }

backends=("rocksdb" "sqlite")
declare -A extra=([rocksdb]="" [sqlite]="")
if [ $# -ge 3 ]; then
  backends+=("$3")
  extra[$3]="--plugin-dir $2"
elif [ $# -eq 2 ]; then
  echo "a plugin folder needs the name of its backend: $0 $1 $2 <backend-name>" >&2; exit 2
fi

source "$root/bench/common.sh"
count() { awk -v n="$1" -v s="$scale" 'BEGIN { printf "%d", n * s }'; }

loads=(
  "put 1 1 $(count 2000)"
  "put 100 10 $(count 40000)"
  "range 1 1 $(count 10000)"
  "range 100 10 $(count 100000)"
)

echo "kvorum: $("$kvorum" --version | sed -n 1p)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; every data dir on the same disk; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Every backend's member runs from the start, so that each load can run on one backend after the
# other: on a shared machine the lines of one load then see the same background.
declare -A port
for backend in "${backends[@]}"; do
  port[$backend]=$(free_port)
  peer=$(free_port)
  # shellcheck disable=SC2086 # extra flags are words
  "$kvorum" --name bench --data-dir "$work/$backend" ${extra[$backend]} --backend "$backend" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "bench=http://127.0.0.1:$peer" \
    --listen-client-urls "http://127.0.0.1:${port[$backend]}" \
    --advertise-client-urls "http://127.0.0.1:${port[$backend]}" --log-level error >"$work/$backend.log" 2>&1 &
  pids+=($!)
done
for backend in "${backends[@]}"; do
  wait_serving "$work/$backend.log" || exit 1
done
# The same unmeasured warm-up for every backend: the JVM compiles its hot paths, caches fill.
for backend in "${backends[@]}"; do
  bench put   --clients 10 --conns 2 --total "$(count 20000)" --endpoint "127.0.0.1:${port[$backend]}" >/dev/null
  bench range --clients 10 --conns 2 --total "$(count 20000)" --endpoint "127.0.0.1:${port[$backend]}" >/dev/null
done
results="$work/results"
: >"$results"
for load in "${loads[@]}"; do
  set -- $load
  for backend in "${backends[@]}"; do
    line=$(bench "$1" --clients "$2" --conns "$3" --total "$4" --endpoint "127.0.0.1:${port[$backend]}")
    printf '%-8s %s\n' "$backend" "$line"
    echo "$backend $line" >>"$results"
  done
done
for backend in "${backends[@]}"; do
  echo "$backend: data dir $(du -sh "$work/$backend" | cut -f1)"
done

# One row per load: requests/s and p99 per backend, and each backend's throughput ÷ rocksdb's.
echo
awk -v order="${backends[*]}" '
  BEGIN { n = split(order, names, " ") }
  {
    backend = $1; op = $2; sub(/clients=/, "", $3); sub(/total=/, "", $5)
    sub(/^range\(linearizable\)$/, "get", op); sub(/^range\(serializable\)$/, "serializable get", op)
    load = op ", " $3 " client" ($3 == 1 ? "" : "s") " (" $5 ")"
    for (i = 6; i <= NF; i++) { if ($(i + 1) == "req/s") rps = $i; if ($i == "p99") p99 = $(i + 1) }
    if (!(load in seen)) { seen[load] = 1; loads[++count] = load }
    rate[load, backend] = rps; tail[load, backend] = p99
  }
  END {
    header = "| load |"; rule = "|---|"
    for (b = 1; b <= n; b++) { header = header " " names[b] " req/s |"; rule = rule "---:|" }
    for (b = 2; b <= n; b++) { header = header " " names[b] " ÷ " names[1] " |"; rule = rule "---:|" }
    for (b = 1; b <= n; b++) { header = header " " names[b] " p99 |"; rule = rule "---:|" }
    print header; print rule
    for (l = 1; l <= count; l++) {
      row = "| " loads[l] " |"
      for (b = 1; b <= n; b++) row = row " " rate[loads[l], names[b]] " |"
      for (b = 2; b <= n; b++) row = row sprintf(" %.2f |", rate[loads[l], names[b]] / rate[loads[l], names[1]])
      for (b = 1; b <= n; b++) row = row " " tail[loads[l], names[b]] " ms |"
      print row
    }
  }' "$results"
