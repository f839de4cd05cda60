package index_test

import (
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// BenchmarkQuery answers, in-process and on every core, the queries that
// cmd/bench/query.sh sends PostGIS through pgbench, on the same parcels
// (PLANTILE_BENCH_PARCELS names the shapefile; without it, the demo's
// land use):
//
//   - point: the features at a random place, with their ids and
//     attributes (At with tolerance 0, as ST_Intersects(geom, point));
//   - bbox-page: the first 100 features by id that intersect a 500 m x
//     500 m box at a random place, encoded as GeoJSON (Intersecting, sort
//     by id, AppendFeatureJSON with the server's default 9 decimals into a
//     reused buffer, as the server's /query/bbox writes them), as
//     ST_AsGeoJSON(t.*) ... ORDER BY id LIMIT 100 (9 decimals too).
//
// Places are uniform within the bounds of a uniformly drawn parcel, so
// that they fall where the parcels are (the benchmark parcels are towns
// scattered over the province), as query.sh draws them. query.sh compares
// the queries/s metric (wall time, every core) and queries/cpu-s (user +
// system CPU time of the process, GC included), which stays meaningful on
// a machine shared with other work.
func BenchmarkQuery(b *testing.B) {
	path := os.Getenv("PLANTILE_BENCH_PARCELS")
	if path == "" {
		path = filepath.Join("..", "..", "testdata", "sonla", "shp", "landuse.shp")
	}
	built := loadLayer(b, path)
	// Query the layer as the server holds it: encoded as `plantile build`
	// stores it, and decoded as `plantile serve` loads it.
	data, err := built.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	l, err := index.Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	decode := time.Since(t0)
	name := "parcels=" + strconv.Itoa(l.Len())
	// The served layer's memory against the goal of issue 8: at most twice
	// the raw coordinate bytes (16 a point) plus 64 bytes a feature.
	b.Run("memory/"+name, func(b *testing.B) {
		for b.Loop() {
		}
		raw := float64(len(l.Columns().Coords)*8) / float64(l.Len())
		b.ReportMetric(l.MemoryPerFeature(), "bytes/feature")
		b.ReportMetric(raw, "coord-bytes/feature")
		b.ReportMetric(2*raw+64, "goal-bytes/feature")
		b.ReportMetric(decode.Seconds()*1000, "decode-ms")
	})
	var seq atomic.Uint64
	place := func(rng *rand.Rand) orb.Point {
		for {
			i := rng.IntN(l.Len())
			if l.Kind(i) == index.KindNone {
				continue
			}
			fb := l.FeatureBound(i)
			return orb.Point{fb.Min[0] + rng.Float64()*(fb.Max[0]-fb.Min[0]), fb.Min[1] + rng.Float64()*(fb.Max[1]-fb.Min[1])}
		}
	}

	b.Run("point/"+name, func(b *testing.B) {
		b.ReportAllocs()
		var found atomic.Int64
		cpu0 := cpuSeconds()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(1, seq.Add(1)))
			// A row is what PostGIS returns: the id and every column's
			// value, read from the index without building a map.
			nf := len(l.Schema().Fields)
			var ids []uint64
			var vals []any
			n := 0
			for pb.Next() {
				ids, vals = ids[:0], vals[:0]
				l.At(place(rng), 0, func(i int) bool {
					ids = append(ids, l.ID(i))
					for f := range nf {
						_, v := l.Value(i, f)
						vals = append(vals, v)
					}
					return true
				})
				n += len(ids)
			}
			found.Add(int64(n))
		})
		b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu0), "queries/cpu-s")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		b.ReportMetric(float64(found.Load())/float64(b.N), "features/query")
	})

	b.Run("bbox-page/"+name, func(b *testing.B) {
		b.ReportAllocs()
		var found atomic.Int64
		cpu0 := cpuSeconds()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(2, seq.Add(1)))
			var hits []int
			var page []byte
			n := 0
			for pb.Next() {
				c := place(rng)
				// 250 m each way, in degrees at the place's latitude.
				dy := 250 / 111320.0
				dx := dy / math.Cos(c[1]*math.Pi/180)
				box := orb.Bound{Min: orb.Point{c[0] - dx, c[1] - dy}, Max: orb.Point{c[0] + dx, c[1] + dy}}
				hits = hits[:0]
				l.Intersecting(box, func(i int) bool {
					hits = append(hits, i)
					return true
				})
				slices.SortFunc(hits, func(a, b int) int {
					return cmpUint64(l.ID(a), l.ID(b))
				})
				hits = hits[:min(len(hits), 100)]
				page = append(page[:0], `{"type":"FeatureCollection","features":[`...)
				for k, i := range hits {
					if k > 0 {
						page = append(page, ',')
					}
					page = l.AppendFeatureJSON(page, i, geojson.DefaultDecimals)
				}
				page = append(page, "]}\n"...)
				if _, err := io.Discard.Write(page); err != nil {
					b.Error(err)
					return
				}
				n += len(hits)
			}
			found.Add(int64(n))
		})
		b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu0), "queries/cpu-s")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		b.ReportMetric(float64(found.Load())/float64(b.N), "features/query")
	})
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cpuSeconds returns the user + system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
