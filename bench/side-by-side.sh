#!/usr/bin/env bash
# Every load of the performance issue against real etcd and kvorum, interleaved load by load, on
# this machine in one run: both servers (or both 3-member clusters) run at once on free loopback
# ports with fresh data directories on the same disk; each load goes to etcd, then to kvorum, then
# on to the next load. Prints a markdown table: etcd, kvorum and kvorum ÷ etcd per load, with the
# CPU the servers (all members) used per request during it (watch: per event delivered), read from
# /proc before and after the load.
#
# The load generator is bench/kvload (built here with Debian's golang-go and
# golang-etcd-server-dev, on etcd's own Go client), or $LOADGEN: any generator that takes
# kvload's flags and prints one JSON line per run (qps, p50_ms, p90_ms, p99_ms, errors).
#
# Build first:  mvn -B package -DskipTests
# Usage: bench/side-by-side.sh [single|cluster] [scale]
#   single   one member each (default); cluster: three members each, load sent to the leader
#   scale    multiplies the request counts (default 1; a fraction such as 0.05 for a quick check)
# KVORUM_FLAGS: further flags for every kvorum member.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shape=${1:-single}
scale=${2:-1}
kvorum_bin="$root/launcher/target/kvorum/bin/kvorum"
loadgen=${LOADGEN:-}

command -v etcd >/dev/null || { echo "real etcd is needed: apt-get install etcd-server" >&2; exit 1; }
command -v etcdctl >/dev/null || { echo "etcdctl is needed: apt-get install etcd-client" >&2; exit 1; }
[ -z "$loadgen" ] || command -v "$loadgen" >/dev/null || { echo "the load generator '$loadgen' is not on PATH" >&2; exit 1; }
[ -x "$kvorum_bin" ] || { echo "build the distribution first: mvn -B package -DskipTests" >&2; exit 1; }
case "$shape" in single) size=1 ;; cluster) size=3 ;; *) echo "usage: $0 [single|cluster] [scale]" >&2; exit 2 ;; esac

source "$root/bench/common.sh"
loadgen_name=${loadgen:-bench/kvload}
[ -n "$loadgen" ] || loadgen=$(build_kvload)
count() { awk -v n="$1" -v s="$scale" 'BEGIN { c = int(n * s); print (c < 1 ? 1 : c) }'; } # n × scale, at least 1

# start target: starts $size members of etcd or kvorum (in this shell, so that the exit trap stops
# them); sets $eps to their client endpoints, comma-separated.
start() {
  local target=$1 i initial=""
  local -a client peer cmd
  for i in $(seq 1 "$size"); do client[$i]=$(free_port); peer[$i]=$(free_port); done
  for i in $(seq 1 "$size"); do initial="${initial:+$initial,}m$i=http://127.0.0.1:${peer[$i]}"; done
  for i in $(seq 1 "$size"); do
    if [ "$target" = etcd ]; then cmd=(etcd); else cmd=("$kvorum_bin" ${KVORUM_FLAGS:-}); fi
    "${cmd[@]}" --name "m$i" --data-dir "$work/$target-m$i" \
      --listen-client-urls "http://127.0.0.1:${client[$i]}" --advertise-client-urls "http://127.0.0.1:${client[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${peer[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "bench-$target" \
      --log-level error >"$work/$target-m$i.log" 2>&1 &
    pids+=($!)
  done
  eps=""
  for i in $(seq 1 "$size"); do eps="${eps:+$eps,}127.0.0.1:${client[$i]}"; done
}

# leader_of endpoints: the client address of the member that reports itself leader.
leader_of() {
  local i leader
  for i in $(seq 1 300); do
    leader=$(ETCDCTL_API=3 etcdctl --endpoints="$1" --dial-timeout=2s --command-timeout=3s endpoint status 2>/dev/null \
      | awk -F', ' '$5 == "true" { sub("^http://", "", $1); print $1; exit }')
    [ -n "$leader" ] && { echo "$leader"; return 0; }
    sleep 0.2
  done
  echo "no leader among $1" >&2
  return 1
}

start etcd; etcd_eps=$eps; etcd_pids=("${pids[@]}")
start kvorum; kvorum_eps=$eps; kvorum_pids=("${pids[@]:${#etcd_pids[@]}}")
etcd_at=$(leader_of "$etcd_eps")
kvorum_at=$(leader_of "$kvorum_eps")

echo "etcd: $(etcd --version | sed -n 1p); kvorum: $("$kvorum_bin" --version | sed -n 1p)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "shape: $shape ($size member(s) each); load generator: $loadgen_name; KVORUM_FLAGS: ${KVORUM_FLAGS:-none}"

# The same unmeasured warm-up for both, every load once in the shape it is measured in: the JVM
# compiles each load's hot paths, etcd's caches fill. With puts and gets alone, the JIT compiled the
# txn and watch paths during their measured runs (half the CPU of a compare-and-swap went to the
# compiler threads), which a member that has served its clients for a while does not pay. Twice
# over: after the first round the JIT still recompiled the put path once the other loads had run
# (CPU per put 264, then 112, then 77 µs over three put runs of a fresh member). The put path
# takes the longest: a fresh member's rate still rose from the 100,000th put to the 200,000th
# (24,463 then 28,262 req/s, 44 then 32 µs of CPU per put, quiet machine), so each round puts
# 100,000 keys.
for at in "$etcd_at" "$kvorum_at" "$etcd_at" "$kvorum_at"; do
  "$loadgen" -endpoints "$at" -mode put -conns 10 -clients 100 -total $(count 100000) >/dev/null
  "$loadgen" -endpoints "$at" -mode get-lin -conns 10 -clients 100 -total $(count 30000) >/dev/null
  "$loadgen" -endpoints "$at" -mode get-ser -conns 10 -clients 100 -total $(count 30000) >/dev/null
  "$loadgen" -endpoints "$at" -mode txn-cas -conns 10 -clients 100 -total $(count 10000) >/dev/null
  "$loadgen" -endpoints "$at" -mode watch -conns 10 -watchers 1000 -total 200 >/dev/null
done

field() { json_field "$@"; }
# cpu_ticks pid...: the user and system CPU the processes have used, in clock ticks (bin/kvorum execs java,
# so a member's pid is its JVM's).
cpu_ticks() { local p t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
# cpu_us ticks result: the servers' CPU per request in µs (watch: per event delivered).
cpu_us() {
  python3 -c 'import json,os,sys; r=json.loads(sys.argv[2]); n=r.get("events") or r.get("total") or 0
print("%.0f" % (int(sys.argv[1]) * 1e6 / os.sysconf("SC_CLK_TCK") / n) if n else "-")' "$1" "$2"
}
ratio() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print("%.2f" % (b/a) if a else "-")' "$1" "$2"; }
fmt() { python3 -c 'import sys; v=float(sys.argv[1]); print("{:,.0f}".format(v) if v >= 100 else "%.2f" % v)' "$1"; }

echo
echo "| load | measure | etcd | kvorum | kvorum ÷ etcd |"
echo "|---|---|---:|---:|---:|"
# row label measure(s) -- load generator args: runs the load on etcd, then kvorum, and prints a row per measure.
row() {
  local label=$1 measures=$2; shift 3
  local e k m c0 ecpu kcpu
  c0=$(cpu_ticks "${etcd_pids[@]}"); e=$("$loadgen" -endpoints "$etcd_at" "$@"); ecpu=$(cpu_us $(( $(cpu_ticks "${etcd_pids[@]}") - c0 )) "$e")
  c0=$(cpu_ticks "${kvorum_pids[@]}"); k=$("$loadgen" -endpoints "$kvorum_at" "$@"); kcpu=$(cpu_us $(( $(cpu_ticks "${kvorum_pids[@]}") - c0 )) "$k")
  for m in $measures; do
    echo "| $label | $m | $(fmt "$(field "$e" "$m")") | $(fmt "$(field "$k" "$m")") | $(ratio "$(field "$e" "$m")" "$(field "$k" "$m")") |"
  done
  [ "$ecpu" = - ] || [ "$kcpu" = - ] || echo "| $label | server CPU µs per request | $(fmt "$ecpu") | $(fmt "$kcpu") | $(ratio "$ecpu" "$kcpu") |"
  for r in "$e" "$k"; do
    [ "$(field "$r" errors)" = 0 ] || echo "| $label | errors | $(field "$e" errors) | $(field "$k" errors) | |"
  done
}
row "put, 100 clients / 10 conns" "qps p50_ms p99_ms" -- -mode put -conns 10 -clients 100 -total $(count 150000)
row "put, 1 client" "qps p50_ms p99_ms" -- -mode put -conns 1 -clients 1 -total $(count 2000)
row "get linearizable, 100 clients" "qps p99_ms" -- -mode get-lin -conns 10 -clients 100 -total $(count 100000)
row "get serializable, 100 clients" "qps p99_ms" -- -mode get-ser -conns 10 -clients 100 -total $(count 100000)
row "txn compare-and-swap, 100 clients" "qps p99_ms" -- -mode txn-cas -conns 10 -clients 100 -total $(count 20000)
row "watch, 1,000 watchers, 100 per stream, 200 puts" "p50_ms p99_ms" -- -mode watch -conns 10 -watchers 1000 -total 200
row "watch, 1,000 watchers, 10 per stream, 200 puts" "p50_ms p99_ms" -- -mode watch -conns 100 -watchers 1000 -total 200
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
