package index_test

import (
	"encoding/json"
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

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
)

// BenchmarkQuery answers, in-process and on every core, the queries that
// cmd/bench/query.sh sends PostGIS through pgbench, on the same parcels
// (PLANTILE_BENCH_PARCELS names the shapefile; without it, the demo's
// land use):
//
//   - point: the features at a random place, with their ids and
//     attributes (PointIn with tolerance 0, as ST_Intersects(geom, point));
//   - bbox-page: the first 100 features by id that intersect a 500 m x
//     500 m box at a random place, encoded as GeoJSON (Search, the exact
//     box predicate, sort by id, geojson.Feature), as ST_AsGeoJSON(t.*)
//     ... ORDER BY id LIMIT 100.
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
	l := loadLayer(b, path)
	name := "parcels=" + strconv.Itoa(l.Len())
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
			type row struct {
				id    uint64
				props feature.Properties
			}
			var rows []row
			n := 0
			for pb.Next() {
				rows = rows[:0]
				l.PointIn(place(rng), 0, func(i int) bool {
					rows = append(rows, row{l.ID(i), l.Properties(i)})
					return true
				})
				n += len(rows)
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
			n := 0
			for pb.Next() {
				c := place(rng)
				// 250 m each way, in degrees at the place's latitude.
				dy := 250 / 111320.0
				dx := dy / math.Cos(c[1]*math.Pi/180)
				box := orb.Bound{Min: orb.Point{c[0] - dx, c[1] - dy}, Max: orb.Point{c[0] + dx, c[1] + dy}}
				hits = hits[:0]
				l.Search(box, func(i int) bool {
					if intersectsBox(l.Geometry(i), box) {
						hits = append(hits, i)
					}
					return true
				})
				slices.SortFunc(hits, func(a, b int) int {
					return cmpUint64(l.ID(a), l.ID(b))
				})
				hits = hits[:min(len(hits), 100)]
				fc := geojson.NewFeatureCollection()
				for _, i := range hits {
					f := geojson.NewFeature(l.Geometry(i))
					f.ID = l.ID(i)
					f.Properties = geojson.Properties(l.Properties(i))
					fc.Append(f)
				}
				if err := json.NewEncoder(io.Discard).Encode(fc); err != nil {
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
