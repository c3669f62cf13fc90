// Opens a bbolt file read-only, runs bbolt's consistency check and prints every bucket's
// entries as "bucket<TAB>hex(key)<TAB>hex(value)", one a line, in order: the oracle the writer's
// tests compare against.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

func main() {
	db, err := bolt.Open(os.Args[1], 0400, &bolt.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	defer db.Close()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	err = db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			return fmt.Errorf("check: %v", e)
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(w, "bucket\t%s\n", name)
			return b.ForEach(func(k, v []byte) error {
				fmt.Fprintf(w, "%s\t%s\t%s\n", name, hex.EncodeToString(k), hex.EncodeToString(v))
				return nil
			})
		})
	})
	if err != nil {
		w.Flush()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
