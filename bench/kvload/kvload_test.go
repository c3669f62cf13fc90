package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/embed"
)

// The tests check that kvload counts and reports what it did: the requests it makes reach the
// server (its revision and keys say so), failures are counted, percentiles are the nearest-rank
// ones, and watch counts every event. They never assert a time.

const maxRequestBytes = 4096 // the embedded server's limit: a larger put fails, as errors need

func startEtcd(t *testing.T) (endpoint string, client *clientv3.Client) {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Dir = t.TempDir()
	local, _ := url.Parse("http://127.0.0.1:0")
	cfg.LCUrls, cfg.ACUrls = []url.URL{*local}, []url.URL{*local}
	cfg.LPUrls, cfg.APUrls = []url.URL{*local}, []url.URL{*local}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.Logger, cfg.LogOutputs, cfg.LogLevel = "zap", []string{"stderr"}, "error"
	cfg.MaxRequestBytes = maxRequestBytes
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		t.Fatal("etcd did not become ready")
	}
	endpoint = e.Clients[0].Addr().String()
	client, err = clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return endpoint, client
}

func opts(endpoint, mode string, total int) options {
	return options{mode: mode, endpoints: []string{endpoint}, conns: 2, clients: 8, total: total,
		keySize: 8, valSize: 64, keySpace: 1000, watchers: 10, timeout: 10 * time.Second, watchWait: time.Minute}
}

func mustRun(t *testing.T, o options) result {
	t.Helper()
	r, err := run(o)
	if err != nil {
		t.Fatalf("%s: %v", o.mode, err)
	}
	return r
}

func revision(t *testing.T, c *clientv3.Client) int64 {
	t.Helper()
	resp, err := c.Get(context.Background(), "any")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	return resp.Header.Revision
}

func countPrefix(t *testing.T, c *clientv3.Client, prefix string) int64 {
	t.Helper()
	resp, err := c.Get(context.Background(), prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatalf("count %s: %v", prefix, err)
	}
	return resp.Count
}

func TestPercentileIsTheNearestRank(t *testing.T) {
	var l latencies
	for i := 100; i >= 1; i-- { // out of order: summarize sorts
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	r := summarize(result{Total: 100}, 4*time.Second, l)
	want := map[string][2]float64{"p50": {r.P50ms, 50}, "p90": {r.P90ms, 90}, "p99": {r.P99ms, 99}, "max": {r.MaxMs, 100}}
	for name, got := range want {
		if got[0] != got[1] {
			t.Errorf("%s = %v ms, want %v", name, got[0], got[1])
		}
	}
	if r.QPS != 25 || r.Seconds != 4 {
		t.Errorf("qps %v over %v s, want 25 over 4", r.QPS, r.Seconds)
	}
	three := latencies{3 * time.Millisecond, 1 * time.Millisecond, 2 * time.Millisecond}
	r = summarize(result{Total: 3}, time.Second, three)
	if r.P50ms != 2 || r.P90ms != 3 || r.P99ms != 3 || r.MaxMs != 3 {
		t.Errorf("of 1, 2, 3 ms: p50 %v p90 %v p99 %v max %v, want 2 3 3 3", r.P50ms, r.P90ms, r.P99ms, r.MaxMs)
	}
	if empty := summarize(result{}, time.Second, nil); empty.P50ms != 0 || empty.MaxMs != 0 {
		t.Errorf("no latencies: p50 %v max %v, want 0", empty.P50ms, empty.MaxMs)
	}
}

func TestDriveMakesEveryRequestOnceAndCountsItsErrors(t *testing.T) {
	o := options{clients: 7, total: 3000, timeout: time.Second}
	made := make([]int32, o.total)
	op := func(ctx context.Context, n, worker int) error {
		atomic.AddInt32(&made[n], 1)
		if worker < 0 || worker >= o.clients {
			t.Errorf("request %d made by worker %d of %d", n, worker, o.clients)
		}
		if n%3 == 0 {
			return fmt.Errorf("planted failure of request %d", n)
		}
		return nil
	}
	r := drive(o, op, result{Total: o.total})
	for n, times := range made {
		if times != 1 {
			t.Fatalf("request %d made %d times, want once", n, times)
		}
	}
	if r.Total != 3000 || r.Errors != 1000 {
		t.Errorf("total %d errors %d, want 3000 and 1000", r.Total, r.Errors)
	}
	if !strings.HasPrefix(r.FirstErr, "planted failure of request ") {
		t.Errorf("first error %q, want a planted failure", r.FirstErr)
	}
	if r.QPS <= 0 || r.MaxMs < r.P99ms || r.P99ms < r.P50ms {
		t.Errorf("figures out of order: qps %v p50 %v p99 %v max %v", r.QPS, r.P50ms, r.P99ms, r.MaxMs)
	}
}

func TestLineIsOneJSONObjectWithKvbenchsFields(t *testing.T) {
	events := int64(7)
	line := summarize(result{Mode: "watch", Total: 2, Errors: 1, Events: &events, FirstErr: "x"}, time.Second,
		latencies{time.Millisecond, 3 * time.Millisecond}).json()
	if strings.Contains(line, "\n") {
		t.Fatalf("line %q spans lines", line)
	}
	var fields map[string]interface{}
	if err := json.Unmarshal([]byte(line), &fields); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	for name, want := range map[string]interface{}{"mode": "watch", "total": 2.0, "errors": 1.0, "events": 7.0,
		"qps": 2.0, "p50_ms": 1.0, "p90_ms": 3.0, "p99_ms": 3.0, "max_ms": 3.0, "first_error": "x", "seconds": 1.0} {
		if fields[name] != want {
			t.Errorf("%s = %v, want %v (line %s)", name, fields[name], want, line)
		}
	}
}

func TestSequentialKeysNameRequestNModuloTheKeySpace(t *testing.T) {
	k := newKeys(options{keyPrefix: "p/", keySize: 4, keySpace: 10, sequential: true, clients: 1})
	for n, want := range map[int]string{0: "p/0000", 9: "p/0009", 10: "p/0000", 23: "p/0003"} {
		if got := k.of(n, 0); got != want {
			t.Errorf("key of request %d = %q, want %q", n, got, want)
		}
	}
	if got := newKeys(options{keySize: 3, keySpace: 1, clients: 1}).name(12345); got != "345" {
		t.Errorf("a longer number keeps its last digits: %q", got)
	}
}

func TestAgainstEtcd(t *testing.T) {
	endpoint, c := startEtcd(t)

	t.Run("put makes every request and the server has each", func(t *testing.T) {
		before := revision(t, c)
		o := opts(endpoint, "put", 500)
		o.keyPrefix, o.sequential, o.keySpace = "put/", true, 500
		r := mustRun(t, o)
		if r.Total != 500 || r.Errors != 0 || r.FirstErr != "" {
			t.Fatalf("total %d errors %d (%s), want 500 and 0", r.Total, r.Errors, r.FirstErr)
		}
		if got := revision(t, c) - before; got != 500 {
			t.Errorf("revision moved by %d, want 500", got)
		}
		if got := countPrefix(t, c, "put/"); got != 500 {
			t.Errorf("%d keys under put/, want 500 (sequential keys cover the key space)", got)
		}
	})

	t.Run("failed puts are counted as errors", func(t *testing.T) {
		before := revision(t, c)
		o := opts(endpoint, "put", 40)
		o.valSize = 2 * maxRequestBytes
		r := mustRun(t, o)
		if r.Total != 40 || r.Errors != 40 || !strings.Contains(r.FirstErr, "request is too large") {
			t.Errorf("total %d errors %d first %q, want 40, 40 and etcd's too-large error", r.Total, r.Errors, r.FirstErr)
		}
		if got := revision(t, c) - before; got != 0 {
			t.Errorf("revision moved by %d, want 0", got)
		}
	})

	t.Run("txn-cas puts once per request", func(t *testing.T) {
		before := revision(t, c)
		o := opts(endpoint, "txn-cas", 200)
		o.clients, o.keyPrefix, o.keySpace = 1, "cas/", 5 // one client: every compare holds
		r := mustRun(t, o)
		if r.Total != 200 || r.Errors != 0 {
			t.Fatalf("total %d errors %d (%s)", r.Total, r.Errors, r.FirstErr)
		}
		if got := revision(t, c) - before; got != 200 {
			t.Errorf("revision moved by %d, want 200", got)
		}
	})

	for _, mode := range []string{"get-lin", "get-ser", "range-prefix", "lease-keepalive"} {
		mode := mode
		t.Run(mode+" counts its requests", func(t *testing.T) {
			o := opts(endpoint, mode, 300)
			o.keyPrefix = mode + "/"
			r := mustRun(t, o)
			if r.Mode != mode || r.Total != 300 || r.Errors != 0 || r.QPS <= 0 {
				t.Errorf("%+v, want mode %s, 300 requests, no error", r, mode)
			}
		})
	}

	t.Run("watch counts every event of every watcher", func(t *testing.T) {
		o := opts(endpoint, "watch", 30)
		o.watchers, o.conns = 20, 4
		r := mustRun(t, o)
		if r.Total != 600 || r.Events == nil || *r.Events != 600 || r.Errors != 0 || r.Clients != 20 {
			t.Fatalf("%+v, want 600 events owed and received by 20 watchers, no error", r)
		}
		if r.P50ms <= 0 || r.P99ms < r.P50ms || r.MaxMs < r.P99ms {
			t.Errorf("latencies out of order: p50 %v p99 %v max %v", r.P50ms, r.P99ms, r.MaxMs)
		}
	})

	t.Run("watch counts events never delivered as errors", func(t *testing.T) {
		o := opts(endpoint, "watch", 5)
		o.watchers, o.valSize, o.watchWait = 3, 2*maxRequestBytes, 500*time.Millisecond // every put fails
		r := mustRun(t, o)
		if r.Total != 15 || *r.Events != 0 || r.Errors != 15 || !strings.Contains(r.FirstErr, "request is too large") {
			t.Errorf("%+v, want 15 events owed, none received, 15 errors and the put's error", r)
		}
	})
}

func TestAuthenticateAgainstEtcd(t *testing.T) {
	endpoint, c := startEtcd(t)
	ctx := context.Background()
	for _, step := range []func() error{
		func() error { _, err := c.UserAdd(ctx, "root", "secret"); return err },
		func() error { _, err := c.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := c.AuthEnable(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatalf("enable auth: %v", err)
		}
	}
	o := opts(endpoint, "authenticate", 10)
	o.user, o.password = "root", "secret"
	if r := mustRun(t, o); r.Total != 10 || r.Errors != 0 {
		t.Errorf("right password: total %d errors %d (%s), want 10 and 0", r.Total, r.Errors, r.FirstErr)
	}
	o.password = "wrong"
	if r := mustRun(t, o); r.Total != 10 || r.Errors != 10 || !strings.Contains(r.FirstErr, "authentication failed") {
		t.Errorf("wrong password: total %d errors %d (%s), want 10, 10 and etcd's error", r.Total, r.Errors, r.FirstErr)
	}
	o = opts(endpoint, "put", 20)
	o.user, o.password, o.keyPrefix = "root", "secret", "auth/"
	if r := mustRun(t, o); r.Errors != 0 {
		t.Errorf("put as root: %d errors (%s)", r.Errors, r.FirstErr)
	}
}
