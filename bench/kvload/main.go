// Command kvload drives one load against an etcd-v3 server through etcd's own Go client
// (clientv3), so that real etcd and kvorum are measured by the same client code in one run.
//
// Modes:
//
//	put              puts of -val-size bytes to keys among -key-space under -key-prefix
//	get-lin          linearizable gets of one key (put once before the clock starts); get is an alias
//	get-ser          serializable gets of that key
//	txn-cas          Kubernetes' optimistic update: a get, then a txn that puts if mod_revision is unchanged
//	range-prefix     gets of a prefix holding 100 keys (put before the clock starts)
//	lease-keepalive  single keepalives of one lease granted before the clock starts
//	watch            -watchers watchers on one prefix, then -total puts under it; each event is
//	                 timed from its put's start to its arrival at each watcher
//	authenticate     Auth.Authenticate RPCs with -user/-password; only that RPC is timed
//
// The requests of a mode are spread over -clients workers on -conns connections; clientv3 puts all
// the watchers of one connection on one watch stream, so watch has -watchers/-conns per stream.
// With -user/-password, every mode but authenticate connects as that user: clientv3 authenticates
// once per connection, before the clock starts, and sends the token with every request.
//
// It prints one JSON line: mode, endpoints, conns, clients, total, errors, seconds, qps and the
// p50/p90/p99/max latency in milliseconds (watch adds events, the events received). The first
// error goes to the line's first_error and to standard error; the exit status is 1 when every
// request failed, 2 when the load could not start.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// options are the flags of one run.
type options struct {
	mode       string
	endpoints  []string
	conns      int
	clients    int
	total      int
	user       string
	password   string
	keySize    int
	valSize    int
	keySpace   int
	keyPrefix  string
	sequential bool
	watchers   int
	timeout    time.Duration
	watchWait  time.Duration
}

func main() {
	o := parseFlags(os.Args[1:])
	r, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kvload:", err)
		os.Exit(2)
	}
	fmt.Println(r.json())
	if r.FirstErr != "" {
		fmt.Fprintf(os.Stderr, "kvload: %d of %d failed; the first: %s\n", r.Errors, r.Total, r.FirstErr)
	}
	if r.Total > 0 && r.Errors >= int64(r.Total) {
		os.Exit(1)
	}
}

func parseFlags(args []string) options {
	var o options
	fs := flag.NewFlagSet("kvload", flag.ExitOnError)
	endpoints := fs.String("endpoints", "127.0.0.1:2379", "comma-separated client endpoints")
	fs.StringVar(&o.mode, "mode", "put", "put | get-lin | get-ser | txn-cas | range-prefix | lease-keepalive | watch | authenticate")
	fs.IntVar(&o.conns, "conns", 1, "gRPC connections (clientv3 clients)")
	fs.IntVar(&o.clients, "clients", 1, "concurrent workers, spread over the connections")
	fs.IntVar(&o.total, "total", 10000, "requests in all (watch: puts)")
	fs.StringVar(&o.user, "user", "", "user name: the modes connect as this user; authenticate sends it")
	fs.StringVar(&o.password, "password", "", "password of -user")
	fs.IntVar(&o.keySize, "key-size", 8, "bytes of each key after -key-prefix")
	fs.IntVar(&o.valSize, "val-size", 256, "bytes of each value")
	fs.IntVar(&o.keySpace, "key-space", 10000, "distinct keys the puts and txns pick from")
	fs.StringVar(&o.keyPrefix, "key-prefix", "", "prefix of every key, e.g. one the user has a permission on")
	fs.BoolVar(&o.sequential, "sequential-keys", false, "request n uses key n modulo -key-space instead of a random one")
	fs.IntVar(&o.watchers, "watchers", 100, "watchers (watch mode)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of each request")
	fs.DurationVar(&o.watchWait, "watch-wait", time.Minute, "watch: how long after the last put the watchers may take; events not in by then count as errors")
	fs.Parse(args)
	o.endpoints = strings.Split(*endpoints, ",")
	if o.mode == "get" {
		o.mode = "get-lin"
	}
	if err := o.validate(fs.NArg()); err != nil {
		fmt.Fprintln(os.Stderr, "kvload:", err)
		fs.Usage()
		os.Exit(2)
	}
	return o
}

func (o options) validate(extraArgs int) error {
	switch {
	case extraArgs > 0:
		return fmt.Errorf("unexpected arguments")
	case o.conns < 1 || o.clients < 1 || o.total < 1 || o.keySpace < 1 || o.keySize < 1 || o.watchers < 1:
		return fmt.Errorf("-conns, -clients, -total, -key-space, -key-size and -watchers must be positive")
	case o.valSize < 0:
		return fmt.Errorf("-val-size must not be negative")
	case (o.user == "") != (o.password == ""):
		return fmt.Errorf("-user and -password go together")
	case o.mode == "authenticate" && o.user == "":
		return fmt.Errorf("authenticate needs -user and -password")
	}
	return nil
}
