#!/usr/bin/env bash
# etcd's snapshot file, kvorum beside real etcd on this machine in one run: N keys (16-byte keys,
# 256-byte values) are put into each, then `etcdctl snapshot save` against each (time, the
# server's peak RSS sampled every 100 ms while it sends), and a restore of each file (etcdctl
# for etcd's, `kvorum snapshot restore` for kvorum's: time and peak RSS of the restoring process).
# Build first:  mvn -B package -DskipTests
# Usage: bench/run-snapshot.sh [keys]   (default 1000000; the puts pick keys at random among that
# many, so the file holds every put as a revision, of about 63 % as many distinct keys)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keys=${1:-1000000}
source "$root/bench/servers.sh"
export ETCDCTL_API=3

peak_rss_during() { # pid command...: runs the command, prints "seconds peak-rss-MiB" of pid meanwhile
  local pid=$1; shift
  local start end peak=0 rss before
  before=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 &
  local cmd=$!
  while kill -0 "$cmd" 2>/dev/null; do
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    (( rss > peak )) && peak=$rss
    sleep 0.1
  done
  wait "$cmd"
  end=$(date +%s.%N)
  printf '%.1f s, server RSS %d MiB before, peak %d MiB' "$(echo "$end - $start" | bc)" $((before / 1024)) $((peak / 1024))
}

server_pid() { pgrep -f -- "--data-dir $work/$1" | head -1; }

for target in "etcd $ec" "kvorum $kc"; do
  set -- $target
  bench put --clients 100 --conns 10 --total "$keys" --key-size 16 --val-size 256 --key-space "$keys" \
    --endpoint "127.0.0.1:$2" >/dev/null
  pid=$(server_pid "$1")
  printf '%-7s save of %s keys: %s; ' "$1" "$keys" \
    "$(peak_rss_during "$pid" etcdctl --endpoints "http://127.0.0.1:$2" --command-timeout=10m snapshot save "$work/$1.db")"
  printf 'file %s\n' "$(etcdctl snapshot status "$work/$1.db" -w simple 2>/dev/null)"
done
for tool in "etcdctl etcd" "kvorum kvorum"; do
  set -- $tool
  if [[ $1 == etcdctl ]]; then
    cmd=(etcdctl snapshot restore "$work/etcd.db" --data-dir "$work/restored-etcd")
  else
    cmd=("$root/launcher/target/kvorum/bin/kvorum" snapshot restore "$work/kvorum.db" --data-dir "$work/restored-kvorum")
  fi
  printf '%-7s restore: %s\n' "$2" "$( { /usr/bin/time -f '%e s, peak RSS %M KiB' "${cmd[@]}" >/dev/null 2>"$work/restore.err"; } 2>&1; tail -1 "$work/restore.err")"
done
