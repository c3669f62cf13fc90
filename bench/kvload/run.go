package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
	pb "go.etcd.io/etcd/etcdserver/etcdserverpb"
	"go.etcd.io/etcd/pkg/logutil"
	"go.uber.org/zap"
)

// request is one timed call: n is the request's number, worker the goroutine making it.
type request func(ctx context.Context, n, worker int) error

// run connects, prepares the mode and drives its load.
func run(o options) (result, error) {
	clients, err := connect(o)
	if err != nil {
		return result{}, err
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	base := result{Mode: o.mode, Endpoints: strings.Join(o.endpoints, ","), Conns: o.conns, Clients: o.clients, Total: o.total}
	if o.mode == "watch" {
		return watch(o, clients, base)
	}
	op, err := prepare(o, clients)
	if err != nil {
		return result{}, err
	}
	return drive(o, op, base), nil
}

// connect opens -conns clients. For authenticate they carry no credentials: the timed RPC is
// the only authentication made.
func connect(o options) ([]*clientv3.Client, error) {
	// The client's own log would repeat every failed request as a retry warning; the line counts them.
	logs := logutil.DefaultZapLoggerConfig
	logs.Level = zap.NewAtomicLevelAt(zap.ErrorLevel)
	cfg := clientv3.Config{Endpoints: o.endpoints, DialTimeout: 10 * time.Second, LogConfig: &logs}
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
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	switch o.mode {
	case "put":
		keys := newKeys(o)
		return func(ctx context.Context, n, worker int) error {
			_, err := conn(worker).Put(ctx, keys.of(n, worker), value)
			return err
		}, nil
	case "get-lin", "get-ser":
		key := newKeys(o).name(0)
		if _, err := clients[0].Put(ctx, key, value); err != nil {
			return nil, fmt.Errorf("put the key to read: %w", err)
		}
		var opts []clientv3.OpOption
		if o.mode == "get-ser" {
			opts = append(opts, clientv3.WithSerializable())
		}
		return func(ctx context.Context, n, worker int) error {
			_, err := conn(worker).Get(ctx, key, opts...)
			return err
		}, nil
	case "txn-cas":
		keys := newKeys(o)
		return func(ctx context.Context, n, worker int) error {
			c, k := conn(worker), keys.of(n, worker)
			g, err := c.Get(ctx, k)
			if err != nil {
				return err
			}
			var rev int64
			if len(g.Kvs) > 0 {
				rev = g.Kvs[0].ModRevision
			}
			_, err = c.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(k), "=", rev)).
				Then(clientv3.OpPut(k, value)).Else(clientv3.OpGet(k)).Commit()
			return err
		}, nil
	case "range-prefix":
		prefix := o.keyPrefix + "range-prefix/"
		for i := 0; i < 100; i++ {
			if _, err := clients[0].Put(ctx, fmt.Sprintf("%s%04d", prefix, i), value); err != nil {
				return nil, fmt.Errorf("put the keys to read: %w", err)
			}
		}
		return func(ctx context.Context, n, worker int) error {
			_, err := conn(worker).Get(ctx, prefix, clientv3.WithPrefix())
			return err
		}, nil
	case "lease-keepalive":
		lease, err := clients[0].Grant(ctx, 60)
		if err != nil {
			return nil, fmt.Errorf("grant the lease to keep alive: %w", err)
		}
		return func(ctx context.Context, n, worker int) error {
			resp, err := conn(worker).KeepAliveOnce(ctx, lease.ID)
			if err == nil && resp.TTL <= 0 {
				err = fmt.Errorf("keepalive of lease %x answered TTL %d", lease.ID, resp.TTL)
			}
			return err
		}, nil
	case "authenticate":
		auths := make([]pb.AuthClient, len(clients))
		for i, c := range clients {
			auths[i] = pb.NewAuthClient(c.ActiveConnection())
		}
		req := &pb.AuthenticateRequest{Name: o.user, Password: o.password}
		return func(ctx context.Context, n, worker int) error {
			resp, err := auths[worker%len(auths)].Authenticate(ctx, req)
			if err == nil && resp.Token == "" {
				err = fmt.Errorf("authenticate returned no token")
			}
			return err
		}, nil
	}
	return nil, fmt.Errorf("unknown mode %q (put, get-lin, get-ser, txn-cas, range-prefix, lease-keepalive, watch or authenticate)", o.mode)
}

// drive runs -total requests from -clients workers, each taking the next request number until
// none is left, and times every request, failed ones too.
func drive(o options, op request, r result) result {
	lat := make(latencies, o.total)
	var next int64 = -1
	var errors int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < o.clients; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for {
				n := int(atomic.AddInt64(&next, 1))
				if n >= o.total {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
				t := time.Now()
				err := op(ctx, n, worker)
				lat[n] = time.Since(t)
				cancel()
				if err != nil {
					atomic.AddInt64(&errors, 1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	r.Errors = errors
	if e, ok := firstErr.Load().(string); ok {
		r.FirstErr = e
	}
	return summarize(r, elapsed, lat)
}
