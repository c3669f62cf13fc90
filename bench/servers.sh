# Sourced by bench/run.sh and bench/run-coordination.sh: starts real etcd and the kvorum
# distribution on free loopback ports with fresh data directories on the same disk, stops both on
# exit (bench/common.sh), and defines `run name port args...` (one labelled line).
# Expects $root (the repository) to be set.
# KVORUM_FLAGS: further flags for kvorum, e.g. "--consensus standalone" (the default is raft).
source "$root/bench/common.sh"

command -v etcd >/dev/null || { echo "real etcd is needed: apt-get install etcd-server" >&2; exit 1; }

ec=$(free_port); ep=$(free_port)
etcd --name bench --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$ec" \
  --advertise-client-urls "http://127.0.0.1:$ec" --listen-peer-urls "http://127.0.0.1:$ep" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ep" --initial-cluster "bench=http://127.0.0.1:$ep" \
  --log-level error >"$work/etcd.log" 2>&1 &
pids+=($!)
kc=$(free_port); kp=$(free_port)
"$root/launcher/target/kvorum/bin/kvorum" --name bench --data-dir "$work/kvorum" \
  --listen-client-urls "http://127.0.0.1:$kc" --advertise-client-urls "http://127.0.0.1:$kc" \
  --listen-peer-urls "http://127.0.0.1:$kp" --initial-advertise-peer-urls "http://127.0.0.1:$kp" \
  --initial-cluster "bench=http://127.0.0.1:$kp" ${KVORUM_FLAGS:-} \
  --log-level error >"$work/kvorum.log" 2>&1 &
pids+=($!)
wait_port "$ec"
wait_serving "$work/kvorum.log" || exit 1
sleep 1

echo "etcd: $(etcd --version | sed -n 1p); kvorum: $("$root/launcher/target/kvorum/bin/kvorum" --version | sed -n 1p)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; both data dirs on the same disk"
run() { # name endpoint args...
  local name=$1 ep=$2; shift 2
  printf '%-7s ' "$name"; bench "$@" --endpoint "127.0.0.1:$ep"
}
# The same unmeasured warm-up for both: the JVM compiles its hot paths, etcd's caches fill.
warm_up() { # port scale
  bench put   --clients 10 --conns 2 --total $((20000 * $2)) --endpoint "127.0.0.1:$1" >/dev/null
  bench range --clients 10 --conns 2 --total $((20000 * $2)) --endpoint "127.0.0.1:$1" >/dev/null
}
