package mbtiles_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// benchParcels adds n parcels to b: a jittered grid of quadrilaterals near
// Son La city with a midpoint on every edge (9 points a ring), string ids
// and the attributes of the demo land-use layer (one unique plot code, a
// land-use code, an area, a height).
func benchParcels(b *index.Builder, n int) (points int) {
	rng := rand.New(rand.NewPCG(1, 0))
	codes := []string{"ODT", "ONT", "LUC", "CLN", "RSX", "DGT", "SON", "TMD"}
	const cell = 0.0003
	nx := 2000
	for i := range n {
		x0, y0 := 103.5+float64(i%nx)*cell, 21.0+float64(i/nx)*cell
		j := func() float64 { return (rng.Float64() - 0.5) * cell * 0.2 }
		c := [4]orb.Point{{x0 + j(), y0 + j()}, {x0 + cell + j(), y0 + j()}, {x0 + cell + j(), y0 + cell + j()}, {x0 + j(), y0 + cell + j()}}
		ring := orb.Ring{}
		for k := range 4 {
			a, e := c[k], c[(k+1)%4]
			ring = append(ring, a, orb.Point{(a[0] + e[0]) / 2, (a[1] + e[1]) / 2})
		}
		ring = append(ring, c[0])
		points += len(ring)
		f := &feature.Feature{Row: int64(i + 1), ID: fmt.Sprintf("T%03d-%06d", i/5000, i%5000), Geometry: orb.Polygon{ring},
			Properties: feature.Properties{
				"ma_o":      fmt.Sprintf("O-%07d", i),
				"ma_dat":    codes[rng.IntN(len(codes))],
				"dien_tich": 80 + 400*rng.Float64(),
				"tang_cao":  int64(1 + rng.IntN(9)),
			}}
		if err := b.Add(f); err != nil {
			panic(err)
		}
	}
	return points
}

func benchCount(b *testing.B) int {
	n := 1_000_000
	if v := os.Getenv("BENCH_PARCELS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("BENCH_PARCELS=%q: %v", v, err)
		}
	}
	return n
}

// cpuTime returns the process's user and system CPU time: unlike wall time
// it does not grow when other processes share the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkFeaturesLoad measures what the server does for each tileset at
// start and on reload: load the stored features of a million parcels
// (BENCH_PARCELS) from the MBTiles file into the index. The peer, measured
// in the same run, is making the same features and building the index
// feature by feature with the Builder, what a server without stored
// features would have to do after reading and reprojecting the source; it
// includes generating the synthetic features, which stands in for reading
// them (far cheaper than reading and reprojecting a shapefile). It reports load seconds (wall and CPU: the CPU time is what the
// load costs when the machine is shared), the ratio, index bytes per feature
// (MemoryPerFeature and the heap growth) and the memory goal: at most twice
// the raw coordinate bytes + 64 B a feature.
func BenchmarkFeaturesLoad(b *testing.B) {
	n := benchCount(b)
	bl := index.NewBuilder(feature.LayerInfo{Name: "thua_dat", Count: int64(n)})
	t0 := time.Now()
	points := benchParcels(bl, n)
	l := bl.Layer()
	build := time.Since(t0)
	path := filepath.Join(b.TempDir(), "parcels.mbtiles")
	w, err := mbtiles.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := w.PutTile(0, 0, 0, []byte{0x1a, 0}); err != nil {
		b.Fatal(err)
	}
	if err := w.PutFeatures(l); err != nil {
		b.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
	l = nil
	r, err := mbtiles.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ReportAllocs()
	var load, cpu time.Duration
	var mem, grew float64
	for b.Loop() {
		before := heap()
		t, c := time.Now(), cpuTime()
		ls, err := r.Features(context.Background())
		load, cpu = time.Since(t), cpuTime()-c
		if err != nil || len(ls) != 1 || ls[0].Len() != n {
			b.Fatalf("Features: %v", err)
		}
		grew = float64(heap()-before) / float64(n)
		mem = ls[0].MemoryPerFeature()
		runtime.KeepAlive(ls)
	}
	raw := 16 * float64(points) / float64(n)
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(cpu.Seconds(), "load-cpu-s")
	b.ReportMetric(build.Seconds(), "generate+build-s")
	b.ReportMetric(build.Seconds()/load.Seconds(), "x-faster-than-generate+build")
	b.ReportMetric(mem, "index-B/feature")
	b.ReportMetric(grew, "heap-B/feature")
	b.ReportMetric(raw, "raw-coord-B/feature")
	b.ReportMetric(mem/(2*raw+64), "of-memory-goal")
}
