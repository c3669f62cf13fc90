#!/usr/bin/env bash
# Watch fan-out to 1,000 watchers and lease keepalives on 10,000 leases against kvorum and real
# etcd, on this machine, in one run. Build first:  mvn -B package -DskipTests
# Usage: bench/run-coordination.sh [scale]   (scale multiplies the put and keepalive counts; default 1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${1:-1}
source "$root/bench/servers.sh"

watch=(--watchers 1000 --streams 100 --conns 10)
leases=(--leases 10000 --conns 10)
for port in "$ec" "$kc"; do
  warm_up "$port" "$scale"
  # Unmeasured as well: the watch and lease paths get their share of the warm-up.
  bench watch --watchers 100 --streams 10 --conns 2 --total 2000 --put-rate 0 --clients 10 \
    --endpoint "127.0.0.1:$port" >/dev/null
  bench keepalive --leases 1000 --streams 10 --clients 10 --conns 2 --total 20000 --endpoint "127.0.0.1:$port" >/dev/null
done
# Each load runs on etcd and then at once on kvorum, so that the two lines of a pair see the
# same background load on a shared machine.
both() { run etcd "$ec" "$@"; run kvorum "$kc" "$@"; }
# 25 puts/s to 1,000 watchers stays below what these 2 cores deliver; closed loop finds the ceiling.
both watch "${watch[@]}" --total $((500 * scale)) --put-rate 25
both watch "${watch[@]}" --total $((1000 * scale)) --put-rate 0 --clients 10
both keepalive "${leases[@]}" --streams 1  --clients 1  --total $((5000 * scale))
both keepalive "${leases[@]}" --streams 10 --clients 10 --total $((100000 * scale))
