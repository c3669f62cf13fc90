#!/usr/bin/env bash
# The 1M-key target, kvorum beside real etcd on this machine in one run: each server gets the same
# N puts (default 1,000,000; 16-byte keys in order, 256-byte values; 100 clients on 10
# connections), then the table compares resident memory (VmRSS of the server's process), the data
# directory's size, and the time a restart takes until the first read (an etcdctl get of the last
# key written, polled every 50 ms from the moment the server is started again), and memory once
# that read is served. The servers load one after the other and restart one after the other, so
# neither competes with the other's work; both run single members on free loopback ports with
# fresh data directories on the same disk.
#
# Build first:  mvn -B package -DskipTests   (needs go, etcd and etcdctl 3.4)
# Usage: bench/side-by-side-1m.sh [keys]     (e.g. 100000 for a quick check that everything runs)
# KVORUM_FLAGS: further flags for kvorum. KVORUM_JAVA_OPTS: JVM options (bin/kvorum reads it).
# LOADGEN: a load generator with kvload's flags and JSON line (default: bench/kvload, built here).
# BENCH_KEEP: a folder to copy both data directories into at the end (e.g. to profile a restart).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keys=${1:-1000000}
kvorum_bin="$root/launcher/target/kvorum/bin/kvorum"
export ETCDCTL_API=3

for tool in etcd etcdctl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
[ -x "$kvorum_bin" ] || { echo "build the distribution first: mvn -B package -DskipTests" >&2; exit 1; }
source "$root/bench/common.sh"
loadgen=${LOADGEN:-$(build_kvload)}

declare -A pid port peer_port cell
# start target: starts a single member of etcd or kvorum on its data dir; sets pid[target] and
# port[target]. A restart uses the ports of the first start.
start() {
  local target=$1 peer cmd
  [ -n "${port[$target]:-}" ] || { port[$target]=$(free_port); peer_port[$target]=$(free_port); }
  peer=${peer_port[$target]}
  if [ "$target" = etcd ]; then cmd=(etcd); else cmd=("$kvorum_bin" ${KVORUM_FLAGS:-}); fi
  "${cmd[@]}" --name m1 --data-dir "$work/$target" \
    --listen-client-urls "http://127.0.0.1:${port[$target]}" --advertise-client-urls "http://127.0.0.1:${port[$target]}" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "m1=http://127.0.0.1:$peer" --log-level error >>"$work/$target.log" 2>&1 &
  pid[$target]=$!
  pids+=("${pid[$target]}")
}
stop() { # target
  kill "${pid[$1]}"; wait "${pid[$1]}" 2>/dev/null || true
}
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/${pid[$1]}/status"; }
dir_mb() { du -sb "$work/$1" | awk '{ printf "%.0f", $1 / 1048576 }'; }
now() { date +%s.%N; }
last_key=$(printf '%016d' $((keys - 1)))
# first_read target: polls until a get of the last key written returns its value.
first_read() {
  local i
  for i in $(seq 1 2400); do
    if [ -n "$(etcdctl --endpoints "127.0.0.1:${port[$1]}" --dial-timeout=1s --command-timeout=2s \
        get "$last_key" --print-value-only 2>/dev/null)" ]; then
      return 0
    fi
    sleep 0.05
  done
  echo "$1: no read within 2 minutes of the restart" >&2
  cat "$work/$1.log" >&2
  return 1
}

echo "etcd: $(etcd --version | sed -n 1p); kvorum: $("$kvorum_bin" --version | sed -n 1p)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "keys: $keys; KVORUM_FLAGS: ${KVORUM_FLAGS:-none}; KVORUM_JAVA_OPTS: ${KVORUM_JAVA_OPTS:-none}"

for target in etcd kvorum; do
  start "$target"
  healthy=0
  for _ in $(seq 1 600); do
    etcdctl --endpoints "127.0.0.1:${port[$target]}" --dial-timeout=1s endpoint health >/dev/null 2>&1 && { healthy=1; break; }
    sleep 0.1
  done
  [ "$healthy" = 1 ] || { echo "$target never became healthy" >&2; cat "$work/$target.log" >&2; exit 1; }
  line=$("$loadgen" -endpoints "127.0.0.1:${port[$target]}" -mode put -conns 10 -clients 100 -total "$keys" \
    -key-size 16 -val-size 256 -key-space "$keys" -sequential-keys)
  echo "$target load: $line"
  [ "$(json_field "$line" errors)" = 0 ] || { echo "$target: the load had errors" >&2; exit 1; }
  cell[load,$target]=$(printf '%.0f' "$(json_field "$line" qps)")
  sleep 10 # let background flushes and compactions settle before measuring
  cell[rss,$target]=$(rss_mb "$target")
  stop "$target"
  cell[dir,$target]=$(dir_mb "$target")
done

for target in etcd kvorum; do
  t0=$(now)
  start "$target"
  first_read "$target"
  t1=$(now)
  cell[restart,$target]=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")
  cell[rss2,$target]=$(rss_mb "$target")
  count=$(etcdctl --endpoints "127.0.0.1:${port[$target]}" --command-timeout=60s get "" --from-key --limit 1 -w json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
  [ "$count" = "$keys" ] || { echo "$target holds $count keys after the restart, not $keys" >&2; exit 1; }
  sleep 5
  cell[rss3,$target]=$(rss_mb "$target")
  stop "$target"
done

ratio() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print("%.2f" % (b/a) if a else "-")' "$1" "$2"; }
echo
echo "| $keys keys (16-byte keys, 256-byte values) | etcd | kvorum | kvorum ÷ etcd |"
echo "|---|---:|---:|---:|"
for row in "load|put, 100 clients (req/s)" "rss|resident memory after the load (MB)" "dir|data directory (MB)" \
    "restart|restart to first read (s)" "rss2|resident memory at the first read after restart (MB)" \
    "rss3|resident memory 5 s after counting every key (MB)"; do
  k=${row%%|*}
  echo "| ${row#*|} | ${cell[$k,etcd]} | ${cell[$k,kvorum]} | $(ratio "${cell[$k,etcd]}" "${cell[$k,kvorum]}") |"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_KEEP:-}" ]; then
  mkdir -p "$BENCH_KEEP" && cp -a "$work/etcd" "$work/kvorum" "$BENCH_KEEP"/ && echo "data directories kept in $BENCH_KEEP"
fi
