package search_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/search"
)

// parcels makes n parcels with a unique plot code, a shared commune and a
// name on one parcel in ten, like the benchmark parcels plus names.
func parcels(b *testing.B, n int) []feature.Properties {
	communes := []string{"Xã Chiềng Đen", "Phường Tô Hiệu", "Xã Chiềng Ngần", "Phường Quyết Thắng"}
	syl := []string{"Tô", "Hiệu", "Lò", "Văn", "Giá", "Nguyễn", "Lương", "Bằng", "Chu", "Thịnh", "Bản", "Mé"}
	ps := make([]feature.Properties, n)
	for i := range ps {
		ps[i] = feature.Properties{
			"ma_o":   fmt.Sprintf("T%03d-CD-%03d-%02d", i/100000, i/100%1000, i%100),
			"phuong": communes[i%len(communes)],
		}
		if i%10 == 0 {
			ps[i]["ten"] = fmt.Sprintf("Nhà %s %s %d", syl[i%len(syl)], syl[i/7%len(syl)], i)
		}
	}
	return ps
}

// BenchmarkBuild builds the index of 1M parcels and reports its memory.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			l := layer(b, "parcels", parcels(b, n))
			b.ReportAllocs()
			b.ResetTimer()
			var x *search.Index
			for range b.N {
				x = search.Build(l)
			}
			b.StopTimer()
			runtime.GC()
			b.ReportMetric(float64(x.Bytes())/float64(n), "index-B/feature")
			b.ReportMetric(float64(x.Entries()), "entries")
		})
	}
}

// BenchmarkFind times queries on the index of 1M parcels.
func BenchmarkFind(b *testing.B) {
	l := layer(b, "parcels", parcels(b, 1_000_000))
	x := search.Build(l)
	for _, q := range []string{"T004-CD-123-45", "to hieu", "nha lo", "a", "ieu 12"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				x.Find(q, 10)
			}
		})
	}
}

// BenchmarkServedGC measures what the served search index of 1M parcels
// costs the garbage collector: the layer stored and decoded as the server
// loads it, its search index built, then one full collection per op. It
// reports the live heap and, as the peer measured in the same run, the
// collection of a pointer-free heap of the same size (ratio: how much more
// a collection costs because of the pointers the layer and index hold).
func BenchmarkServedGC(b *testing.B) {
	data, err := layer(b, "parcels", parcels(b, 1_000_000)).MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	l, err := index.Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	data = nil
	x := search.Build(l)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	live := ms.HeapAlloc
	gcTime := func() time.Duration {
		start := time.Now()
		runtime.GC()
		return time.Since(start)
	}
	b.ResetTimer()
	var served, flat time.Duration
	for range b.N {
		served += gcTime()
	}
	b.StopTimer()
	runtime.KeepAlive(x)
	x, l = nil, nil
	runtime.GC()
	peer := make([]byte, live)
	for i := 0; i < len(peer); i += 4096 {
		peer[i] = 1
	}
	for range b.N {
		flat += gcTime()
	}
	runtime.KeepAlive(peer)
	b.ReportMetric(float64(live)/(1<<20), "live-MiB")
	b.ReportMetric(float64(served.Microseconds())/1000/float64(b.N), "gc-ms")
	b.ReportMetric(float64(flat.Microseconds())/1000/float64(b.N), "flat-gc-ms")
	b.ReportMetric(float64(served)/float64(max(flat, 1)), "gc-ratio")
}
