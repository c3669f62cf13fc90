package main

import (
	"math/rand"
	"strconv"
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
	digits := strconv.AppendInt(make([]byte, 0, 20), int64(n), 10)
	b := make([]byte, len(k.prefix)+k.size)
	copy(b, k.prefix)
	pad := b[len(k.prefix):]
	if len(digits) >= k.size {
		copy(pad, digits[len(digits)-k.size:])
	} else {
		z := k.size - len(digits)
		for i := 0; i < z; i++ {
			pad[i] = '0'
		}
		copy(pad[z:], digits)
	}
	return string(b)
}

// of is the key of request n, made by worker.
func (k *keys) of(n, worker int) string {
	if k.sequential {
		return k.name(n % k.space)
	}
	return k.name(k.sources[worker].Intn(k.space))
}
