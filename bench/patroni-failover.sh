#!/usr/bin/env bash
# Patroni (its etcd3 DCS, which speaks the JSON gateway) electing a PostgreSQL primary through a
# 3-member cluster, and failing over, on free loopback ports of this machine:
#   a. two Patroni nodes bootstrap: one Leader, one streaming Replica, the leader key in the DCS;
#   b. the DCS member that leads Raft is killed (-9): Patroni still shows a Leader, a write works;
#   c. the primary's Patroni and its postmaster are killed (-9): the replica is promoted, a write
#      on it works and it holds the rows written before.
# Prints what it sees and the time each step took; exits 1 on the first check that fails.
# Needs Debian's patroni, PostgreSQL (postgresql-15 or PG_BIN=<its bin dir>), etcd-client and, for
# the etcd run, etcd-server. Run as root (Patroni then runs as the user postgres, as PostgreSQL
# refuses root) or as any other user (Patroni then runs as that user).
# Build first:  mvn -B -pl launcher -am package -DskipTests
# Usage: bench/patroni-failover.sh [kvorum|etcd]   (default kvorum)
#   AUTH=1  turns auth on before Patroni starts: Patroni then authenticates (/v3/auth/authenticate)
#           as a user whose role may read and write /service/ only
#   KEEP=1  keeps the logs and data directories
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-kvorum}
kvorum_bin="$root/launcher/target/kvorum/bin/kvorum"
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
scope=kvorum-demo
# Patroni's rule: loop_wait + 2 * retry_timeout <= ttl.
ttl=10 loop_wait=2 retry_timeout=4
switch_limit=30 failover_limit=40

case "$target" in
  kvorum) [ -x "$kvorum_bin" ] || { echo "the distribution is missing ($kvorum_bin); build it with mvn -B -pl launcher -am package -DskipTests" >&2; exit 1; }
          dcs=("$kvorum_bin") ;;
  etcd)   command -v etcd >/dev/null || { echo "real etcd is needed: apt-get install etcd-server" >&2; exit 1; }
          dcs=(etcd) ;;
  *) echo "usage: $0 [kvorum|etcd]" >&2; exit 2 ;;
esac
for tool in patroni patronictl etcdctl psql python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install patroni etcd-client postgresql-client)" >&2; exit 1; }
done
[ -x "$pg_bin/postgres" ] || { echo "PostgreSQL is missing in $pg_bin (apt-get install postgresql-15, or set PG_BIN)" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "the user postgres is needed to run PostgreSQL (apt-get install postgresql-common)" >&2; exit 1; }
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env --)
else
  as_pg=(env)
fi
export ETCDCTL_API=3

source "$root/bench/common.sh"
chmod 711 "$work"
dcs_pids=() patroni_pids=() nodes=()

# Patroni first (it stops its PostgreSQL), then any postmaster left behind, then the DCS members;
# all by the pids this script started or read from its own data directories.
cleanup() {
  set +e
  for p in "${patroni_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${patroni_pids[@]}"; do gone "$p" 300 || kill -9 "$p" 2>/dev/null; done
  for n in "${nodes[@]}"; do
    p=$(postmaster_of "$n") && { kill -9 "$p" 2>/dev/null; }
  done
  for p in "${dcs_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${dcs_pids[@]}"; do gone "$p" 300 || kill -9 "$p" 2>/dev/null; done
  if [ -n "${KEEP:-}" ]; then echo "logs and data kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Processes are started as disowned jobs (bash then reports no "Killed" line for them): gone
# waits up to $2 tenths of a second for pid $1 to end.
gone() { for _ in $(seq 1 "${2:-100}"); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
# forget pid: a pid known to be gone leaves the lists cleanup kills, lest it be reused meanwhile.
forget() {
  local p kept=()
  for p in "${dcs_pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done; dcs_pids=("${kept[@]}")
  kept=(); for p in "${patroni_pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done; patroni_pids=("${kept[@]}")
}
now() { date +%s.%N; }
# etcdctl, as root once auth is on
auth_user=""
ectl() { etcdctl ${auth_user:+--user "$auth_user"} "$@"; }
since() { python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$(now)"; }
fail() {
  echo "FAILED: $*" >&2
  for f in "$work"/*.log; do echo "--- last lines of $(basename "$f")" >&2; tail -n 15 "$f" >&2; done
  exit 1
}

# The postmaster pid of node $1 (first line of postmaster.pid), if that process still runs it.
postmaster_of() {
  local file="$work/$1/data/postmaster.pid" p
  [ -f "$file" ] || return 1
  p=$(sed -n 1p "$file")
  [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$work/$1/data" && echo "$p"
}

# --- the DCS: three members, the same etcd flags for kvorum and etcd
declare -A client_port dcs_pid
initial=""
for i in 1 2 3; do client_port[m$i]=$(free_port); peer[$i]=$(free_port)
  initial="${initial:+$initial,}m$i=http://127.0.0.1:${peer[$i]}"; done
endpoints=""
for i in 1 2 3; do
  c=http://127.0.0.1:${client_port[m$i]}
  "${dcs[@]}" --name "m$i" --data-dir "$work/dcs-m$i" \
    --listen-client-urls "$c" --advertise-client-urls "$c" \
    --listen-peer-urls "http://127.0.0.1:${peer[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
    --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "patroni-$target" \
    >"$work/dcs-m$i.log" 2>&1 &
  dcs_pid[m$i]=$!; dcs_pids+=($!); disown $!
  endpoints="${endpoints:+$endpoints,}$c"
done

# The name (m1..m3) of the member among endpoints $1 that reports itself Raft leader, or nothing.
raft_leader() {
  local port
  port=$(ectl --endpoints="$1" --dial-timeout=1s --command-timeout=2s endpoint status -w json 2>/dev/null \
    | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["Status"].get("leader") and s["Status"]["header"]["member_id"] == s["Status"]["leader"]:
        print(s["Endpoint"].rsplit(":", 1)[1])
        break
' 2>/dev/null) || true
  for m in m1 m2 m3; do [ -n "$port" ] && [ "${client_port[$m]}" = "$port" ] && echo "$m"; done
  return 0
}

started=$(now)
leader=""
for _ in $(seq 1 120); do leader=$(raft_leader "$endpoints"); [ -n "$leader" ] && break; sleep 0.5; done
[ -n "$leader" ] || fail "the $target cluster elected no leader within 60 s"
echo "$target: 3 members up, Raft leader $leader ($(since "$started") s); version $(ectl --endpoints="$endpoints" endpoint status | sed -n 1p | cut -d, -f3 | tr -d ' ')"

if [ -n "${AUTH:-}" ]; then
  ectl --endpoints="$endpoints" user add root:root-secret >/dev/null
  ectl --endpoints="$endpoints" role add patroni >/dev/null
  ectl --endpoints="$endpoints" role grant-permission patroni --prefix=true readwrite /service/ >/dev/null
  ectl --endpoints="$endpoints" user add patroni:patroni-secret >/dev/null
  ectl --endpoints="$endpoints" user grant-role patroni patroni >/dev/null
  ectl --endpoints="$endpoints" auth enable >/dev/null
  auth_user=root:root-secret
  echo "auth on: Patroni authenticates as patroni, whose role may read and write /service/ only"
  dcs_auth=$'  username: patroni\n  password: patroni-secret'
fi

# --- two Patroni nodes
hosts=""; for i in 1 2 3; do hosts="$hosts    - 127.0.0.1:${client_port[m$i]}"$'\n'; done
declare -A pg_port
for n in node1 node2; do
  nodes+=("$n")
  rest=$(free_port); pg_port[$n]=$(free_port)
  mkdir -p "$work/$n"
  cat >"$work/$n.yml" <<EOF
scope: $scope
name: $n
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
${dcs_auth:-}
  hosts:
$hosts
bootstrap:
  dcs:
    ttl: $ttl
    loop_wait: $loop_wait
    retry_timeout: $retry_timeout
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: false
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 5
        max_replication_slots: 5
  initdb:
  - encoding: UTF8
  pg_hba:
  - local all all trust
  - host replication replicator 127.0.0.1/32 md5
  - host all all 127.0.0.1/32 md5
postgresql:
  listen: 127.0.0.1:${pg_port[$n]}
  connect_address: 127.0.0.1:${pg_port[$n]}
  data_dir: $work/$n/data
  bin_dir: $pg_bin
  pgpass: $work/$n/pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres-secret
    replication:
      username: replicator
      password: replicator-secret
  parameters:
    unix_socket_directories: '$work/$n'
EOF
  [ "$(id -u)" = 0 ] && chown -R postgres: "$work/$n" "$work/$n.yml"
done
start_patroni() { # node
  "${as_pg[@]}" patroni "$work/$1.yml" >>"$work/$1.log" 2>&1 &
  patroni_pid[$1]=$!; patroni_pids+=($!); disown $!
}
declare -A patroni_pid
# patronictl's own configuration: node1's, less the members killed (patronictl with auth on
# spends seconds on a member that is gone before it turns to the next one).
cp "$work/node1.yml" "$work/ctl.yml"
started=$(now)
start_patroni node1
sleep 1
start_patroni node2

# patronictl's view as "name role state" lines; then the helpers that read it
members() {
  patronictl -c "$work/ctl.yml" list -f json 2>/dev/null | python3 -c '
import json, sys
for m in json.load(sys.stdin):
    print(m["Member"], m["Role"], m["State"])
' || true
}
leader_node() { members | awk '$2 == "Leader" && $3 == "running" { print $1; exit }'; }
show() { patronictl -c "$work/ctl.yml" list 2>/dev/null | sed 's/^/  /'; }
psql_on() { # node sql...
  local n=$1; shift
  PGPASSWORD=postgres-secret PGCONNECT_TIMEOUT=3 PGOPTIONS="-c client_min_messages=warning" psql -X -h 127.0.0.1 -p "${pg_port[$n]}" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -Atq "$@" 2>&1
}
streaming_to() { # node: the names of the standbys streaming from it
  psql_on "$1" -c "select application_name from pg_stat_replication where state = 'streaming'" 2>/dev/null || true
}
write_on() { # node label: one row, answered with its id
  psql_on "$1" -c "create table if not exists failover_check (id serial primary key, label text, at timestamptz default now())" \
    -c "insert into failover_check (label) values ('$2') returning id"
}

echo "a. two Patroni nodes bootstrap through $target"
primary="" elected=""
for _ in $(seq 1 240); do
  for n in node1 node2; do kill -0 "${patroni_pid[$n]}" 2>/dev/null || fail "Patroni $n exited"; done
  [ -z "$elected" ] && [ -n "$(leader_node)" ] && elected=$(since "$started")
  if [ "$(members | awk '$3 == "running" && ($2 == "Leader" || $2 == "Replica")' | wc -l)" = 2 ]; then
    primary=$(leader_node); replica=node1; [ "$primary" = node1 ] && replica=node2
    [ -n "$primary" ] && [ "$(streaming_to "$primary")" = "$replica" ] && break
    primary=""
  fi
  sleep 0.5
done
[ -n "$primary" ] || { show; fail "no Leader with a streaming Replica within 120 s"; }
echo "   Leader $primary after $elected s; Replica $replica streaming from it (pg_stat_replication) after $(since "$started") s:"
show
echo "   the keys in the DCS:"
ectl --endpoints="$endpoints" get --prefix /service/ --keys-only | sed '/^$/d; s/^/  /'
leader_key=$(ectl --endpoints="$endpoints" get --print-value-only "/service/$scope/leader")
[ "$leader_key" = "$primary" ] || fail "/service/$scope/leader holds '$leader_key', not $primary"
echo "   /service/$scope/leader = $leader_key"
out=$(write_on "$primary" "a: first primary $primary") || fail "a write on $primary: $out"
echo "   a write on $primary: row $out"

echo "b. kill -9 the $target member that leads Raft"
old=$(raft_leader "$endpoints")
[ -n "$old" ] || fail "no Raft leader to kill"
# Patroni logs each member it turns to; the last one named is the one it uses now.
uses=$(grep -o 'Selected new etcd server http://[0-9.:]*' "$work/$primary.log" | tail -n 1 | sed 's/.*:\([0-9]*\)$/\1/')
for m in m1 m2 m3; do [ "${client_port[$m]}" = "$uses" ] && echo "   the primary's Patroni ($primary) uses $m"; done
kill -9 "${dcs_pid[$old]}"; gone "${dcs_pid[$old]}" || fail "$old outlived kill -9"
forget "${dcs_pid[$old]}"
killed=$(now)
echo "   killed $old (pid ${dcs_pid[$old]}, 127.0.0.1:${client_port[$old]})"
grep -v "^    - 127.0.0.1:${client_port[$old]}\$" "$work/node1.yml" >"$work/ctl.yml"
rest_endpoints=$(echo "$endpoints" | tr , '\n' | grep -v ":${client_port[$old]}$" | paste -sd,)
new=""
for _ in $(seq 1 $((switch_limit * 2))); do new=$(raft_leader "$rest_endpoints"); [ -n "$new" ] && break; sleep 0.5; done
[ -n "$new" ] || fail "the two live members elected no Raft leader within $switch_limit s"
echo "   Raft leader now $new ($(since "$killed") s)"
ok=""
for _ in $(seq 1 $((switch_limit * 2))); do
  now_primary=$(leader_node)
  if [ -n "$now_primary" ] && out=$(write_on "$now_primary" "b: after $old was killed") \
     && [ "$(ectl --endpoints="$rest_endpoints" get --print-value-only "/service/$scope/leader")" = "$now_primary" ]; then
    ok=1; break
  fi
  sleep 0.5
done
[ -n "$ok" ] || { show; fail "no Leader taking writes within $switch_limit s of killing $old"; }
if [ "$now_primary" = "$primary" ]; then kept="kept its primary $primary"; else kept="re-elected: primary $now_primary"; fi
echo "   Patroni $kept; a write on it: row $out ($(since "$killed") s after the kill)"
show
primary=$now_primary; replica=node1; [ "$primary" = node1 ] && replica=node2
endpoints=$rest_endpoints

echo "c. kill -9 the primary's Patroni and its postmaster ($primary)"
# The replica first replays every row written so far, so that the promoted one must hold them all.
rows=$(psql_on "$primary" -c "select count(*) from failover_check") || fail "count on $primary: $rows"
caught_up=""
for _ in $(seq 1 60); do
  [ "$(psql_on "$replica" -c "select count(*) from failover_check" 2>/dev/null)" = "$rows" ] && { caught_up=1; break; }; sleep 0.5
done
[ -n "$caught_up" ] || fail "$replica did not replay the $rows rows within 30 s"
pm=$(postmaster_of "$primary") || fail "no postmaster.pid for $primary"
kill -9 "${patroni_pid[$primary]}" "$pm"
killed=$(now)
gone "${patroni_pid[$primary]}" && gone "$pm" || fail "Patroni or the postmaster of $primary outlived kill -9"
forget "${patroni_pid[$primary]}"
echo "   killed Patroni (pid ${patroni_pid[$primary]}) and the postmaster (pid $pm) of $primary"
ok=""
for _ in $(seq 1 $((failover_limit * 2))); do
  if [ "$(leader_node)" = "$replica" ] && out=$(write_on "$replica" "c: promoted $replica"); then ok=1; break; fi
  sleep 0.5
done
[ -n "$ok" ] || { show; fail "$replica was not promoted (or took no write) within $failover_limit s"; }
echo "   $replica promoted and took a write (row $out) $(since "$killed") s after the kill"
show
held=$(psql_on "$replica" -c "select count(*) from failover_check where id < $out") || fail "count on $replica: $held"
[ "$held" = "$rows" ] || fail "$replica holds $held of the $rows rows written before the failover"
echo "   $replica holds all $rows rows written before the failover"
leader_key=$(ectl --endpoints="$endpoints" get --print-value-only "/service/$scope/leader")
[ "$leader_key" = "$replica" ] || fail "/service/$scope/leader holds '$leader_key', not $replica"
echo "   /service/$scope/leader = $leader_key"
echo "PASSED against $target"
