# Sourced by the bench scripts: a work folder removed on exit with every process started into
# $pids, and the helpers they share. Expects $root (the repository) to be set.
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
# A kvorum member prints "kvorum: serving client requests on <url>" once its services are
# installed (its port opens earlier); $1 is the file its standard output goes to.
wait_serving() { for _ in $(seq 1 600); do grep -q '^kvorum: serving' "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "$1: never served:" >&2; cat "$1" >&2; return 1; }
bench() { java -cp "$root/bench/target/classes:$root/bench/target/lib/*" io.kvorum.bench.Bench "$@"; }
# build_kvload: builds the load tool bench/kvload into $work/kvload and prints its path. It is
# built against etcd's Go client as Debian's golang-go and golang-etcd-server-dev install it
# (no module downloads); the build cache stays in $work.
build_kvload() {
  command -v go >/dev/null || { echo "go is needed to build bench/kvload: apt-get install golang-go golang-etcd-server-dev" >&2; return 1; }
  (cd "$root/bench/kvload" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$work/gocache" \
    go build -o "$work/kvload" .) >&2
  echo "$work/kvload"
}
# json_field line name: one field of a load tool's JSON line (kvload's or kvbench's).
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }
