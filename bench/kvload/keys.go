package main

import (
	"fmt"
	"math/rand"
	"time"
)

// keys names keys as -key-prefix followed by a zero-padded number of -key-size digits (its last
// digits when the number is longer). Request n takes key n modulo -key-space with
// -sequential-keys, else a random one; each worker draws from its own source, so that workers
// never contend on one.
type keys struct {
	prefix     string
	size       int
	space      int
	sequential bool
	sources    []*rand.Rand
}

func newKeys(o options) *keys {
	k := &keys{prefix: o.keyPrefix, size: o.keySize, space: o.keySpace, sequential: o.sequential}
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

// of is the key of request n, made by worker.
func (k *keys) of(n, worker int) string {
	if k.sequential {
		return k.name(n % k.space)
	}
	return k.name(k.sources[worker].Intn(k.space))
}
