package server_test

import (
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/sonla-gis/plantile/pkg/index"
)

// BenchmarkQueryHandler answers /query/point, /query/bbox (500 m x 500 m,
// limit 100) and the OGC items page of the same box (items-page, GeoJSON)
// through the router and middleware, without the
// network, at random places inside the features of the tilesets of
// PLANTILE_BENCH_TILES (a directory of .mbtiles with stored features, as
// cmd/bench/query.sh builds; skipped without it). It shows what the HTTP
// side of query.sh spends in plantile's own code.
func BenchmarkQueryHandler(b *testing.B) {
	srv, reg := serveBenchTiles(b)
	var l *index.Layer
	collection := ""
	for _, ts := range reg.List() {
		for _, tl := range ts.Layers() {
			if l == nil || tl.Len() > l.Len() {
				l = tl
				collection = ts.Name
				if len(ts.Layers()) > 1 {
					collection += "." + tl.Info().Name
				}
			}
		}
	}
	if l == nil || l.Len() == 0 {
		b.Fatalf("%s: no tileset with stored features", os.Getenv("PLANTILE_BENCH_TILES"))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 9, 64) }
	var points, boxes, items []*http.Request
	for len(points) < 4096 {
		i := rng.IntN(l.Len())
		if l.Kind(i) == index.KindNone {
			continue
		}
		fb := l.FeatureBound(i)
		x, y := fb.Min[0]+rng.Float64()*(fb.Max[0]-fb.Min[0]), fb.Min[1]+rng.Float64()*(fb.Max[1]-fb.Min[1])
		dy := 250 / 111320.0
		dx := dy / math.Cos(y*math.Pi/180)
		p, _ := http.NewRequest("GET", "/query/point?tolerance=0&lon="+f(x)+"&lat="+f(y), nil)
		q, _ := http.NewRequest("GET", "/query/bbox?limit=100&bbox="+f(x-dx)+","+f(y-dy)+","+f(x+dx)+","+f(y+dy), nil)
		o, _ := http.NewRequest("GET", "/ogc/collections/"+collection+"/items?f=json&limit=100&bbox="+f(x-dx)+","+f(y-dy)+","+f(x+dx)+","+f(y+dy), nil)
		points, boxes, items = append(points, p), append(boxes, q), append(items, o)
	}
	for _, bc := range []struct {
		name string
		reqs []*http.Request
	}{{"point", points}, {"bbox-page", boxes}, {"items-page", items}} {
		b.Run(bc.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				clear(w.h)
				srv.ServeHTTP(w, bc.reqs[i%len(bc.reqs)])
			}
		})
	}
}
