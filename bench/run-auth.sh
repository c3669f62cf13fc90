#!/usr/bin/env bash
# Authentication's cost, kvorum beside real etcd on this machine in one run: Authenticate
# throughput (a bcrypt check of the password per call), and puts with auth off against puts with
# auth on as a user whose role grants readwrite on the prefix written (a token and a permission
# check per put). Each phase starts a fresh etcd and a fresh kvorum single member on free loopback
# ports (default flags, bcrypt cost 10 as etcd's default), runs the same unmeasured warm-up on
# both, then every load against etcd and then kvorum, load by load; both are stopped on exit.
# Build first:  mvn -B package -DskipTests   (needs go, etcd and etcdctl 3.4)
# Usage: bench/run-auth.sh [scale]   (scale multiplies the request counts, e.g. 0.01 for a quick
# check that everything runs; default 1)
# KVORUM_FLAGS: further flags for kvorum, e.g. "--consensus standalone".
# KVORUM_BIN: the kvorum launcher to run (default: this build's distribution).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${1:-1}
source "$root/bench/common.sh"

kvorum_bin=${KVORUM_BIN:-"$root/launcher/target/kvorum/bin/kvorum"}
for tool in etcd etcdctl go; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
[ -x "$kvorum_bin" ] || { echo "build the distribution first: mvn -B package -DskipTests" >&2; exit 1; }

echo "building bench/kvload"
build_kvload >/dev/null

root_password=root-secret
bench_password=bench-secret

forget() { # pid...: drops these from the processes stopped on exit
  local p keep=()
  for p in "${pids[@]}"; do [[ " $* " == *" $p "* ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}
stop() { # pid...: stops these processes and forgets them
  local p
  for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  forget "$@"
}
# Runs the load tool in the background, so that an interrupted run stops it too, and prints
# its line; fails as it does.
kvload() { # kvload-args...
  local p rc=0
  "$work/kvload" "$@" </dev/null >"$work/kvload.out" &
  p=$!; pids+=("$p")
  wait "$p" || rc=$?
  forget "$p"
  cat "$work/kvload.out"
  return "$rc"
}

# Starts a fresh etcd and a fresh kvorum with data dirs under $work/$1; sets $etcd_port,
# $kvorum_port, $etcd_pid and $kvorum_pid.
start_pair() {
  local ep kp
  etcd_port=$(free_port); ep=$(free_port)
  etcd --name bench --data-dir "$work/$1/etcd" --bcrypt-cost 10 \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$ep" --initial-advertise-peer-urls "http://127.0.0.1:$ep" \
    --initial-cluster "bench=http://127.0.0.1:$ep" --log-level error >"$work/$1-etcd.log" 2>&1 &
  etcd_pid=$!; pids+=("$etcd_pid")
  kvorum_port=$(free_port); kp=$(free_port)
  "$kvorum_bin" --name bench --data-dir "$work/$1/kvorum" --bcrypt-cost 10 \
    --listen-client-urls "http://127.0.0.1:$kvorum_port" --advertise-client-urls "http://127.0.0.1:$kvorum_port" \
    --listen-peer-urls "http://127.0.0.1:$kp" --initial-advertise-peer-urls "http://127.0.0.1:$kp" \
    --initial-cluster "bench=http://127.0.0.1:$kp" ${KVORUM_FLAGS:-} --log-level error >"$work/$1-kvorum.log" 2>&1 &
  kvorum_pid=$!; pids+=("$kvorum_pid")
  wait_port "$etcd_port"
  wait_serving "$work/$1-kvorum.log"
  sleep 1
}

# User root with role root, auth enabled, and user bench whose role bench has readwrite on the prefix bench/.
enable_auth() { # port
  local ctl=(etcdctl --endpoints "127.0.0.1:$1")
  {
    "${ctl[@]}" user add root --new-user-password "$root_password"
    "${ctl[@]}" user grant-role root root
    "${ctl[@]}" role add bench
    "${ctl[@]}" role grant-permission bench readwrite bench/ --prefix=true
    "${ctl[@]}" user add bench --new-user-password "$bench_password"
    "${ctl[@]}" user grant-role bench bench
    "${ctl[@]}" auth enable
  } </dev/null >/dev/null
  # Auth is on: a put without a user is refused, user bench may write under bench/ only.
  if "${ctl[@]}" put bench/check x </dev/null >/dev/null 2>&1 \
    || ! "${ctl[@]}" --user "bench:$bench_password" put bench/check x </dev/null >/dev/null \
    || "${ctl[@]}" --user "bench:$bench_password" put check x </dev/null >/dev/null 2>&1; then
    echo "127.0.0.1:$1: auth is not set up as expected" >&2; return 1
  fi
}

declare -A cell
# One measured load against one server: prints the command and kvload's line, and keeps the
# figure the table shows (field qps or p50_ms of its JSON line) under cell[row,server].
run() { # row server port field kvload-args...
  local row=$1 server=$2 port=$3 field=$4; shift 4
  local cmd=(kvload -endpoints "127.0.0.1:$port" "$@") line value errors
  echo "\$ ${cmd[*]}"
  kvload -endpoints "127.0.0.1:$port" "$@" >"$work/line"
  line=$(cat "$work/line")
  echo "  $server: $line"
  value=$(json_field "$line" "$field")
  if [ "$field" = qps ]; then value=$(printf '%.0f' "$value"); else value=$(printf '%.2f' "$value"); fi
  errors=$(json_field "$line" errors)
  [ "$errors" = 0 ] || value="$value ($errors errors)"
  cell[$row,$server]=$value
}
# The same unmeasured warm-up on every member: the JVM compiles its hot paths, etcd's caches fill.
warm_up() { # port kvload-args...
  local port=$1; shift
  kvload -endpoints "127.0.0.1:$port" -mode put -clients 10 -conns 2 -total $(count 20000) \
    -key-prefix bench/ "$@" >/dev/null
}
servers() { printf '%s %s\n' etcd "$etcd_port" kvorum "$kvorum_port"; }
count() { awk -v n="$1" -v s="$scale" 'BEGIN { c = int(n * s); print (c < 1 ? 1 : c) }'; } # n × scale

echo "etcd: $(etcd --version | sed -n 1p); kvorum: $("$kvorum_bin" --version | sed -n 1p)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg); data dirs on the same disk"
put100=(-mode put -clients 100 -conns 10 -total $(count 50000) -key-prefix bench/ -key-space 10000)
put1=(-mode put -clients 1 -conns 1 -total $(count 2000) -key-prefix bench/ -key-space 10000)
as_bench=(-user bench -password "$bench_password")

echo; echo "## auth off: fresh members"
start_pair off
while read -r name port; do warm_up "$port"; done < <(servers)
while read -r name port; do run "put, 100 clients, auth off (req/s)" "$name" "$port" qps "${put100[@]}"; done < <(servers)
while read -r name port; do run "put, 1 client, auth off (p50 ms)" "$name" "$port" p50_ms "${put1[@]}"; done < <(servers)
stop "$etcd_pid" "$kvorum_pid"

echo; echo "## auth on: fresh members, root, role bench readwrite on bench/, user bench, auth enable"
start_pair on
while read -r name port; do enable_auth "$port"; warm_up "$port" "${as_bench[@]}"; done < <(servers)
while read -r name port; do run "put, 100 clients, auth on as bench (req/s)" "$name" "$port" qps "${put100[@]}" "${as_bench[@]}"; done < <(servers)
while read -r name port; do run "put, 1 client, auth on as bench (p50 ms)" "$name" "$port" p50_ms "${put1[@]}" "${as_bench[@]}"; done < <(servers)
while read -r name port; do run "Authenticate, 10 clients (req/s)" "$name" "$port" qps \
  -mode authenticate -clients 10 -conns 2 -total $(count 2000) "${as_bench[@]}"; done < <(servers)
while read -r name port; do run "Authenticate, 1 client (p50 ms)" "$name" "$port" p50_ms \
  -mode authenticate -clients 1 -conns 1 -total $(count 100) "${as_bench[@]}"; done < <(servers)
stop "$etcd_pid" "$kvorum_pid"

ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "| load | etcd | kvorum | kvorum ÷ etcd |"
echo "|---|---|---|---|"
for row in "Authenticate, 10 clients (req/s)" "Authenticate, 1 client (p50 ms)" \
  "put, 100 clients, auth off (req/s)" "put, 100 clients, auth on as bench (req/s)" \
  "put, 1 client, auth off (p50 ms)" "put, 1 client, auth on as bench (p50 ms)"; do
  echo "| $row | ${cell[$row,etcd]} | ${cell[$row,kvorum]} | $(ratio "${cell[$row,kvorum]}" "${cell[$row,etcd]}") |"
done
for s in etcd kvorum; do
  cell["on ÷ off 100",$s]=$(ratio "${cell["put, 100 clients, auth on as bench (req/s)",$s]}" "${cell["put, 100 clients, auth off (req/s)",$s]}")
  cell["on ÷ off 1",$s]=$(ratio "${cell["put, 1 client, auth on as bench (p50 ms)",$s]}" "${cell["put, 1 client, auth off (p50 ms)",$s]}")
done
echo "| put, 100 clients: auth on ÷ off (req/s) | ${cell["on ÷ off 100",etcd]} | ${cell["on ÷ off 100",kvorum]} | |"
echo "| put, 1 client: auth on ÷ off (p50) | ${cell["on ÷ off 1",etcd]} | ${cell["on ÷ off 1",kvorum]} | |"
echo
echo "Authenticate checks the password with bcrypt (cost 10) on the member that takes the call:"
echo "its throughput is bounded by bcrypt's CPU time on this machine's cores, not by the server."
