// Command kvload drives one load against an etcd-v3 server through etcd's own Go client
// (clientv3), so that real etcd and kvorum are measured by the same client code in one run.
//
// Modes:
//
//	put           puts of -val-size bytes to random keys among -key-space under -key-prefix
//	get           linearizable gets of one key under -key-prefix (put once before the clock starts)
//	authenticate  Auth.Authenticate RPCs with -user/-password; only that RPC is timed
//
// With -user/-password, put and get connect as that user: clientv3 authenticates once per
// connection, before the clock starts, and sends the token with every request, so those modes
// measure the permission check on each request, not the password check.
//
// It prints one line: mode, requests, seconds, req/s, p50/p90/p99 latency and errors. The first
// error goes to standard error; the exit status is 1 when every request failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
	pb "go.etcd.io/etcd/etcdserver/etcdserverpb"
)

type options struct {
	mode      string
	endpoints []string
	conns     int
	clients   int
	total     int
	user      string
	password  string
	keySize   int
	valSize   int
	keySpace  int
	keyPrefix string
	timeout   time.Duration
}

// request is one timed call; worker is the index of the goroutine making it.
type request func(ctx context.Context, worker int) error

func main() {
	o := parseFlags()
	clients, err := connect(o)
	if err != nil {
		fail(err)
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	op, err := prepare(o, clients)
	if err != nil {
		fail(err)
	}
	r := drive(o, op)
	fmt.Println(r.line(o.mode))
	if r.firstErr != nil {
		fmt.Fprintf(os.Stderr, "kvload: %d of %d requests failed; the first: %v\n", r.errors, o.total, r.firstErr)
	}
	if r.errors == int64(o.total) {
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	endpoints := flag.String("endpoints", "127.0.0.1:2379", "comma-separated client endpoints")
	flag.StringVar(&o.mode, "mode", "put", "put | get | authenticate")
	flag.IntVar(&o.conns, "conns", 1, "gRPC connections (clientv3 clients)")
	flag.IntVar(&o.clients, "clients", 1, "concurrent workers, spread over the connections")
	flag.IntVar(&o.total, "total", 10000, "requests in all")
	flag.StringVar(&o.user, "user", "", "user name: put and get connect as this user; authenticate sends it")
	flag.StringVar(&o.password, "password", "", "password of -user")
	flag.IntVar(&o.keySize, "key-size", 8, "bytes of each key after -key-prefix")
	flag.IntVar(&o.valSize, "val-size", 256, "bytes of each value")
	flag.IntVar(&o.keySpace, "key-space", 10000, "distinct keys the puts pick from")
	flag.StringVar(&o.keyPrefix, "key-prefix", "", "prefix of every key, e.g. one the user has a permission on")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of each request")
	flag.Parse()
	o.endpoints = strings.Split(*endpoints, ",")
	switch {
	case flag.NArg() > 0:
		usage("unexpected arguments: %v", flag.Args())
	case o.conns < 1 || o.clients < 1 || o.total < 1 || o.keySpace < 1 || o.keySize < 1 || o.valSize < 0:
		usage("-conns, -clients, -total, -key-space and -key-size must be positive")
	case (o.user == "") != (o.password == ""):
		usage("-user and -password go together")
	case o.mode == "authenticate" && o.user == "":
		usage("authenticate needs -user and -password")
	}
	return o
}

func usage(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kvload: "+format+"\n", args...)
	flag.Usage()
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kvload:", err)
	os.Exit(2)
}

// connect opens -conns clients. For authenticate they carry no credentials: the timed RPC is
// the only authentication made.
func connect(o options) ([]*clientv3.Client, error) {
	cfg := clientv3.Config{Endpoints: o.endpoints, DialTimeout: 10 * time.Second}
	if o.mode != "authenticate" {
		cfg.Username, cfg.Password = o.user, o.password
	}
	clients := make([]*clientv3.Client, 0, o.conns)
	for i := 0; i < o.conns; i++ {
		c, err := clientv3.New(cfg)
		if err != nil {
			for _, open := range clients {
				open.Close()
			}
			return nil, fmt.Errorf("connect to %v: %w", o.endpoints, err)
		}
		clients = append(clients, c)
	}
	return clients, nil
}

// prepare returns the timed request of the mode, after any untimed set-up.
func prepare(o options, clients []*clientv3.Client) (request, error) {
	conn := func(worker int) *clientv3.Client { return clients[worker%len(clients)] }
	value := strings.Repeat("v", o.valSize)
	switch o.mode {
	case "put":
		keys := newKeys(o)
		return func(ctx context.Context, worker int) error {
			_, err := conn(worker).Put(ctx, keys.random(worker), value)
			return err
		}, nil
	case "get":
		key := newKeys(o).name(0)
		ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
		defer cancel()
		if _, err := clients[0].Put(ctx, key, value); err != nil {
			return nil, fmt.Errorf("put the key to read: %w", err)
		}
		return func(ctx context.Context, worker int) error {
			_, err := conn(worker).Get(ctx, key)
			return err
		}, nil
	case "authenticate":
		auths := make([]pb.AuthClient, len(clients))
		for i, c := range clients {
			auths[i] = pb.NewAuthClient(c.ActiveConnection())
		}
		req := &pb.AuthenticateRequest{Name: o.user, Password: o.password}
		return func(ctx context.Context, worker int) error {
			resp, err := auths[worker%len(auths)].Authenticate(ctx, req)
			if err == nil && resp.Token == "" {
				err = fmt.Errorf("authenticate returned no token")
			}
			return err
		}, nil
	}
	return nil, fmt.Errorf("unknown mode %q (put, get or authenticate)", o.mode)
}

// keys names keys as -key-prefix followed by a zero-padded number of -key-size digits
// (its last digits when the number is longer); each worker draws from its own source.
type keys struct {
	prefix  string
	size    int
	space   int
	sources []*rand.Rand
}

func newKeys(o options) *keys {
	k := &keys{prefix: o.keyPrefix, size: o.keySize, space: o.keySpace}
	seed := time.Now().UnixNano()
	for w := 0; w < o.clients; w++ {
		k.sources = append(k.sources, rand.New(rand.NewSource(seed+int64(w))))
	}
	return k
}

func (k *keys) name(n int) string {
	s := fmt.Sprintf("%0*d", k.size, n)
	return k.prefix + s[len(s)-k.size:]
}

func (k *keys) random(worker int) string { return k.name(k.sources[worker].Intn(k.space)) }

type result struct {
	requests  int
	errors    int64
	firstErr  error
	elapsed   time.Duration
	latencies []time.Duration
}

// drive runs -total requests from -clients workers, each taking the next request number until
// none is left, and times every request.
func drive(o options, op request) result {
	latencies := make([]time.Duration, o.total)
	var next int64 = -1
	var errors int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < o.clients; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= o.total {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
				t := time.Now()
				err := op(ctx, worker)
				latencies[i] = time.Since(t)
				cancel()
				if err != nil {
					atomic.AddInt64(&errors, 1)
					once.Do(func() { firstErr = err })
				}
			}
		}(w)
	}
	wg.Wait()
	return result{requests: o.total, errors: errors, firstErr: firstErr, elapsed: time.Since(start), latencies: latencies}
}

// line is the one-line summary, key=value pairs that scripts can pick apart.
func (r result) line(mode string) string {
	sort.Slice(r.latencies, func(a, b int) bool { return r.latencies[a] < r.latencies[b] })
	pct := func(p float64) float64 {
		i := int(p*float64(len(r.latencies))+0.5) - 1
		if i < 0 {
			i = 0
		}
		return float64(r.latencies[i].Nanoseconds()) / 1e6
	}
	seconds := r.elapsed.Seconds()
	return fmt.Sprintf("mode=%s requests=%d seconds=%.3f req/s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f errors=%d",
		mode, r.requests, seconds, float64(r.requests)/seconds, pct(0.50), pct(0.90), pct(0.99), r.errors)
}
