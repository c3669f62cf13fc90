#!/usr/bin/env bash
# Puts and linearizable gets at 1 and 100 clients against kvorum and real etcd, on this machine,
# in one run. Build first:  mvn -B package -DskipTests
# Usage: bench/run.sh [scale]   (scale multiplies the request counts; default 1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${1:-1}
source "$root/bench/servers.sh"

for target in "etcd $ec" "kvorum $kc"; do
  set -- $target
  warm_up "$2" "$scale"
  run "$1" "$2" put   --clients 1   --conns 1  --total $((2000 * scale))
  run "$1" "$2" put   --clients 100 --conns 10 --total $((40000 * scale))
  run "$1" "$2" range --clients 1   --conns 1  --total $((10000 * scale))
  run "$1" "$2" range --clients 100 --conns 10 --total $((100000 * scale))
done
