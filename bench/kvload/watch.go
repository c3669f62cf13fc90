package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
)

// watch creates -watchers watchers on one fresh prefix, spread over the connections, waits until
// the server has created every one, then makes -total puts under the prefix one after the other
// from the first connection. Each event's latency runs from the start of its put to its arrival
// at a watcher. Total is watchers × puts: the events owed. An event not received within
// -watch-wait of the last put, and a put that fails (its events never come), count as errors.
func watch(o options, clients []*clientv3.Client, r result) (result, error) {
	prefix := fmt.Sprintf("%skvload-watch/%d/", o.keyPrefix, time.Now().UnixNano())
	value := strings.Repeat("v", o.valSize)
	puts := o.total
	r.Clients = o.watchers
	r.Total = o.watchers * puts
	sent := make([]int64, puts) // unix nanoseconds at each put's start; written before the put
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var received int64
	var ready, done sync.WaitGroup
	perWatcher := make([]latencies, o.watchers)
	created := make(chan error, o.watchers)
	for w := 0; w < o.watchers; w++ {
		ready.Add(1)
		done.Add(1)
		go func(w int) {
			defer done.Done()
			lat := make(latencies, 0, puts)
			defer func() { perWatcher[w] = lat }()
			wch := clients[w%len(clients)].Watch(clientv3.WithRequireLeader(ctx), prefix,
				clientv3.WithPrefix(), clientv3.WithCreatedNotify())
			first := true
			for resp := range wch {
				if first {
					first = false
					created <- resp.Err()
					ready.Done()
				}
				now := time.Now().UnixNano()
				for _, ev := range resp.Events {
					n, err := strconv.Atoi(string(ev.Kv.Key[len(prefix):]))
					if err != nil || n < 0 || n >= puts {
						continue
					}
					lat = append(lat, time.Duration(now-atomic.LoadInt64(&sent[n])))
				}
				atomic.AddInt64(&received, int64(len(resp.Events)))
				if len(lat) >= puts {
					return
				}
			}
			if first {
				created <- fmt.Errorf("the watch closed before it was created")
				ready.Done()
			}
		}(w)
	}
	if err := waitGroup(&ready, o.timeout+30*time.Second); err != nil {
		return result{}, fmt.Errorf("watchers not created: %w", err)
	}
	for w := 0; w < o.watchers; w++ {
		if err := <-created; err != nil {
			return result{}, fmt.Errorf("create a watcher: %w", err)
		}
	}

	var putErrors int64
	start := time.Now()
	for n := 0; n < puts; n++ {
		atomic.StoreInt64(&sent[n], time.Now().UnixNano())
		pctx, pcancel := context.WithTimeout(ctx, o.timeout)
		_, err := clients[0].Put(pctx, fmt.Sprintf("%s%08d", prefix, n), value)
		pcancel()
		if err != nil {
			putErrors++
			if r.FirstErr == "" {
				r.FirstErr = "put: " + err.Error()
			}
		}
	}
	if waitGroup(&done, o.watchWait) != nil {
		cancel()
		done.Wait()
	}
	elapsed := time.Since(start)

	var all latencies
	for _, l := range perWatcher {
		all = append(all, l...)
	}
	events := atomic.LoadInt64(&received)
	r.Events = &events
	r.Errors = int64(r.Total - len(all))
	if r.Errors > 0 && r.FirstErr == "" {
		r.FirstErr = fmt.Sprintf("%d of %d events not received within %v of the last put (%d puts failed)",
			r.Errors, r.Total, o.watchWait, putErrors)
	}
	return summarize(r, elapsed, all), nil
}

// waitGroup waits for g, or returns an error after d.
func waitGroup(g *sync.WaitGroup, d time.Duration) error {
	ch := make(chan struct{})
	go func() { g.Wait(); close(ch) }()
	select {
	case <-ch:
		return nil
	case <-time.After(d):
		return fmt.Errorf("not within %v", d)
	}
}
