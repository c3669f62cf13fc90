#!/bin/bash
# usage: bench/first-write.sh <kvorum|etcd> [extra flags...]
# Starts a fresh single member on free ports and loops `etcdctl put` until it succeeds;
# prints the ms from process start to the first successful put.
which=$1; shift
dir=$(mktemp -d)
read cport pport < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
if [ "$which" = etcd ]; then bin=etcd; else bin=${KVORUM:-$(cd "$(dirname "$0")/.." && pwd)/launcher/target/kvorum/bin/kvorum}; fi
start=$(date +%s%N)
$bin --data-dir "$dir/data" --listen-client-urls http://127.0.0.1:$cport --advertise-client-urls http://127.0.0.1:$cport \
  --listen-peer-urls http://127.0.0.1:$pport --initial-advertise-peer-urls http://127.0.0.1:$pport \
  --initial-cluster default=http://127.0.0.1:$pport "$@" >"$dir/log" 2>&1 &
pid=$!
first=""
while true; do
  out=$(ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:$cport --dial-timeout=2s --command-timeout=5s put k v 2>&1)
  rc=$?
  now=$(date +%s%N)
  if [ -z "$first" ] && ! echo "$out" | grep -q "connection refused\|context deadline exceeded.*dial\|DeadlineExceeded" ; then first="$(( (now-start)/1000000 ))ms:$(echo $out|head -c 80)"; fi
  [ $rc -eq 0 ] && break
  (( now-start > 30000000000 )) && { echo "timeout: $out"; break; }
  sleep 0.02
done
echo "$which first-write-ms=$(( (now-start)/1000000 )) first-answer=[$first]"
kill $pid; wait $pid 2>/dev/null
[ -n "${KEEP_LOG:-}" ] && cp "$dir/log" "$KEEP_LOG"
rm -rf "$dir"
