package main

import (
	"encoding/json"
	"math"
	"sort"
	"time"
)

// result is what a run prints, as one JSON line with kvbench's field names, so that the scripts
// read either tool's line.
type result struct {
	Mode      string  `json:"mode"`
	Endpoints string  `json:"endpoints"`
	Conns     int     `json:"conns"`
	Clients   int     `json:"clients"`
	Total     int     `json:"total"`
	Events    *int64  `json:"events,omitempty"`
	Errors    int64   `json:"errors"`
	Seconds   float64 `json:"seconds"`
	QPS       float64 `json:"qps"`
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	FirstErr  string  `json:"first_error,omitempty"`
}

func (r result) json() string {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // only numbers and strings: cannot fail
	}
	return string(b)
}

// latencies holds the measured latencies of a run.
type latencies []time.Duration

// percentile is the nearest-rank percentile (p in 0..1): the smallest latency that at least p of
// all latencies are at or below; 0 when none were measured. The slice must be sorted.
func (l latencies) percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(l)))) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(l) {
		i = len(l) - 1
	}
	return l[i]
}

// summarize fills r's figures from the latencies (which it sorts) and the wall time of the run;
// qps counts every request made, failed ones too, as kvbench does.
func summarize(r result, elapsed time.Duration, l latencies) result {
	sort.Slice(l, func(a, b int) bool { return l[a] < l[b] })
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	r.Seconds = elapsed.Seconds()
	if r.Seconds > 0 {
		r.QPS = float64(r.Total) / r.Seconds
	}
	r.P50ms, r.P90ms, r.P99ms, r.MaxMs = ms(l.percentile(0.50)), ms(l.percentile(0.90)), ms(l.percentile(0.99)), ms(l.percentile(1))
	return r
}
