#!/usr/bin/env bash
# A write load's latency while snapshots are sent, kvorum beside real etcd: N puts first (16-byte
# keys, 256-byte values), then the same put load (10 clients) once alone and once while
# `etcdctl snapshot save` runs again and again against the same member.
# Build first:  mvn -B package -DskipTests
# Usage: bench/run-snapshot-load.sh [keys] [load]   (defaults 300000 and 30000 puts)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keys=${1:-300000}
load=${2:-30000}
source "$root/bench/servers.sh"
export ETCDCTL_API=3

for target in "etcd $ec" "kvorum $kc"; do
  set -- $target
  bench put --clients 100 --conns 10 --total "$keys" --key-size 16 --val-size 256 --key-space "$keys" \
    --endpoint "127.0.0.1:$2" >/dev/null
  run "$1" "$2" put --clients 10 --conns 2 --total "$load" --key-size 16 --val-size 256 --key-space "$keys"
  ( while :; do etcdctl --endpoints "http://127.0.0.1:$2" --command-timeout=10m snapshot save "$work/$1-load.db" \
      >/dev/null 2>&1 || true; done ) &
  saver=$!
  sleep 1
  printf 'during snapshots: '
  run "$1" "$2" put --clients 10 --conns 2 --total "$load" --key-size 16 --val-size 256 --key-space "$keys"
  kill "$saver"; wait "$saver" 2>/dev/null || true
done
