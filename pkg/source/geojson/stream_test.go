package geojson_test

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// TestStreamingMemory feeds a large FeatureCollection through a pipe and
// checks that the live heap stays small while it is read: the reader must
// hold one feature at a time, not the collection.
func TestStreamingMemory(t *testing.T) {
	const n = 100000
	padding := strings.Repeat("đất ở tại đô thị ", 20) // ~400 bytes a feature
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		fmt.Fprint(w, `{"type":"FeatureCollection","features":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, `{"type":"Feature","id":%d,"geometry":{"type":"Polygon","coordinates":[[[%d,0],[%d,1],[%d,1],[%d,0]]]},"properties":{"ma":"ODT","note":%q}}`,
				i, i, i, i+1, i, padding)
		}
		fmt.Fprint(w, `]}`)
		w.Flush()
		pw.Close()
	}()
	r := geojson.NewReader("big.geojson", pr)
	defer r.Close()
	var ms runtime.MemStats
	var maxLive uint64
	count := 0
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.ID != int64(count) {
			t.Fatalf("feature %d has id %v", count+1, f.ID)
		}
		count++
		if count%10000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			maxLive = max(maxLive, ms.HeapAlloc)
		}
	}
	if count != n {
		t.Fatalf("read %d features, want %d", count, n)
	}
	// The collection is ~55 MB of JSON; a reader that kept it, or the
	// features, would hold far more than this.
	const limit = 8 << 20
	if maxLive > limit {
		t.Errorf("live heap reached %d bytes while streaming, want under %d", maxLive, limit)
	}
	t.Logf("max live heap %.1f MB over %d features", float64(maxLive)/(1<<20), n)
}
