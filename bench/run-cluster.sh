#!/usr/bin/env bash
# Puts (1 and 100 clients) and linearizable single-key ranges (1 and 100 clients) against a
# 3-member real etcd cluster and a 3-member kvorum cluster (--consensus raft), on free loopback
# ports of this machine, all members' data directories on the same disk; the load goes to each
# cluster's leader, as etcd's own benchmark does. Prints one table.
# Build first:  mvn -B package -DskipTests   (or: mvn -B -pl launcher,bench -am package -DskipTests)
# Usage: bench/run-cluster.sh [scale] [targets]
#   scale   multiplies the request counts (default 1)
#   targets which clusters, in order (default "etcd kvorum"); e.g. "etcd" for real etcd only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${1:-1}
targets=${2:-etcd kvorum}
kvorum_bin="$root/launcher/target/kvorum/bin/kvorum"

command -v etcd >/dev/null || { echo "real etcd is needed: apt-get install etcd-server" >&2; exit 1; }
command -v etcdctl >/dev/null || { echo "etcdctl is needed to find the leader: apt-get install etcd-client" >&2; exit 1; }
[ -d "$root/bench/target/classes" ] || { echo "build the bench module first: mvn -B -pl bench -am package -DskipTests" >&2; exit 1; }

source "$root/bench/common.sh"

# start_cluster target: starts 3 members; sets $endpoints (comma-separated client URLs) and $members (their pids).
start_cluster() {
  local target=$1 i cmd
  local -a client peer
  for i in 1 2 3; do client[$i]=$(free_port); peer[$i]=$(free_port); done
  local initial="m1=http://127.0.0.1:${peer[1]},m2=http://127.0.0.1:${peer[2]},m3=http://127.0.0.1:${peer[3]}"
  endpoints=""
  members=()
  for i in 1 2 3; do
    if [ "$target" = etcd ]; then cmd=(etcd); else cmd=("$kvorum_bin" --consensus raft); fi
    "${cmd[@]}" --name "m$i" --data-dir "$work/$target-m$i" \
      --listen-client-urls "http://127.0.0.1:${client[$i]}" --advertise-client-urls "http://127.0.0.1:${client[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${peer[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "bench-$target" \
      --log-level error >"$work/$target-m$i.log" 2>&1 &
    pids+=($!)
    members+=($!)
    endpoints="${endpoints:+$endpoints,}http://127.0.0.1:${client[$i]}"
  done
}

# leader_of: the client address (host:port) of the member that reports itself leader, or nothing.
leader_of() {
  ETCDCTL_API=3 etcdctl --endpoints="$1" --dial-timeout=2s --command-timeout=3s endpoint status 2>/dev/null \
    | awk -F', ' '$5 == "true" { sub("^http://", "", $1); print $1; exit }'
}

await_leader() { # target endpoints
  local leader=""
  for _ in $(seq 1 120); do
    for p in "${members[@]}"; do
      kill -0 "$p" 2>/dev/null || { echo "$1: a member exited during start; the members' logs:" >&2
        tail -n 20 "$work/$1"-m*.log >&2; return 1; }
    done
    leader=$(leader_of "$2")
    [ -n "$leader" ] && { echo "$leader"; return 0; }
    sleep 0.5
  done
  echo "$1: no leader within 60 s; the members' logs:" >&2
  tail -n 20 "$work/$1"-m*.log >&2
  return 1
}

results="$work/results"
: >"$results"
echo "etcd: $(etcd --version | sed -n 1p)${kvorum_bin:+; kvorum: $([ -x "$kvorum_bin" ] && "$kvorum_bin" --version | sed -n 1p || echo 'not built')}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; 3 members per cluster, all data dirs on the same disk"
status=0
for target in $targets; do
  if [ "$target" = kvorum ] && [ ! -x "$kvorum_bin" ]; then
    echo "kvorum: the distribution is missing ($kvorum_bin); build it with mvn -B -pl launcher -am package -DskipTests" >&2
    status=1; continue
  fi
  start_cluster "$target"
  if ! leader=$(await_leader "$target" "$endpoints"); then status=1; continue; fi
  # The same unmeasured warm-up for both: the JVM compiles its hot paths, etcd's caches fill.
  bench put   --clients 10 --conns 2 --total $((5000 * scale)) --endpoint "$leader" >/dev/null
  bench range --clients 10 --conns 2 --total $((5000 * scale)) --endpoint "$leader" >/dev/null
  for load in "put 1 1 $((1000 * scale))" "put 100 10 $((10000 * scale))" \
              "range 1 1 $((5000 * scale))" "range 100 10 $((50000 * scale))"; do
    set -- $load
    line=$(bench "$1" --clients "$2" --conns "$3" --total "$4" --endpoint "$leader")
    echo "$target $line" >>"$results"
  done
done

# target, op, clients, req/s, mean, p50, p99 from the Bench lines
printf '\n%-7s %-20s %7s %9s %10s %10s %10s\n' target op clients 'req/s' 'mean ms' 'p50 ms' 'p99 ms'
awk '{
  target = $1; op = $2; clients = $3; sub("clients=", "", clients)
  for (i = 4; i <= NF; i++) {
    if ($(i + 1) == "req/s") rate = $i
    if ($i == "mean") mean = $(i + 1)
    if ($i == "p50") p50 = $(i + 1)
    if ($i == "p99") p99 = $(i + 1)
  }
  printf "%-7s %-20s %7s %9s %10s %10s %10s\n", target, op, clients, rate, mean, p50, p99
}' "$results"
exit $status
