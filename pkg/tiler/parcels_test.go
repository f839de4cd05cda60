package tiler_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
)

// seed returns the seed of random tests: SEED from the environment, else
// def; it is logged so that a failure can be replayed.
func seed(t testing.TB, def uint64) uint64 {
	s := def
	if v := os.Getenv("SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SEED=%q: %v", v, err)
		}
		s = n
	}
	t.Logf("SEED=%d", s)
	return s
}

// parcelGrid describes a synthetic cadastre near Son La city: nx by ny
// parcels of cell degrees filling a rectangle, their inner vertices
// jittered (shared between neighbours, so the parcels tile the rectangle
// without gaps or overlaps) and every edge carrying a midpoint, also
// shared.
type parcelGrid struct {
	lon, lat float64 // south-west corner
	nx, ny   int
	cell     float64 // degrees
	jitter   float64 // fraction of cell
	seed     uint64
}

var codes = []string{"ODT", "ONT", "LUC", "CLN", "RSX", "DGT", "SON", "TMD"}

func (g parcelGrid) bound() orb.Bound {
	return orb.Bound{Min: orb.Point{g.lon, g.lat}, Max: orb.Point{g.lon + float64(g.nx)*g.cell, g.lat + float64(g.ny)*g.cell}}
}

func (g parcelGrid) features() []*feature.Feature {
	rng := rand.New(rand.NewPCG(g.seed, 7))
	// corner vertices
	vx := make([][]orb.Point, g.nx+1)
	for i := range vx {
		vx[i] = make([]orb.Point, g.ny+1)
		for j := range vx[i] {
			p := orb.Point{g.lon + float64(i)*g.cell, g.lat + float64(j)*g.cell}
			if i > 0 && i < g.nx && j > 0 && j < g.ny {
				p[0] += (rng.Float64()*2 - 1) * g.jitter * g.cell
				p[1] += (rng.Float64()*2 - 1) * g.jitter * g.cell
			}
			vx[i][j] = p
		}
	}
	mid := func(a, b orb.Point) orb.Point { return orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2} }
	var fs []*feature.Feature
	for j := range g.ny {
		for i := range g.nx {
			a, b, c, d := vx[i][j], vx[i+1][j], vx[i+1][j+1], vx[i][j+1]
			// counter-clockwise in lon/lat, as GeoJSON (RFC 7946) has it
			ring := orb.Ring{a, mid(a, b), b, mid(b, c), c, mid(c, d), d, mid(d, a), a}
			n := len(fs)
			props := feature.Properties{
				"ma_dat":    codes[rng.IntN(len(codes))],
				"dien_tich": float64(int(rng.Float64()*1e5)) / 100,
				"so_thua":   int64(n + 1),
				"quy_hoach": n%3 == 0,
			}
			if n%5 == 0 {
				props["ghi_chu"] = nil
			} else {
				props["ghi_chu"] = fmt.Sprintf("thửa %d", n+1)
			}
			fs = append(fs, &feature.Feature{Row: int64(n + 1), ID: int64(1000 + n), Geometry: orb.Polygon{ring}, Properties: props})
		}
	}
	return fs
}

var parcelSchema = feature.Schema{Fields: []feature.Field{
	{Name: "ma_dat", Type: feature.String},
	{Name: "dien_tich", Type: feature.Float},
	{Name: "so_thua", Type: feature.Int},
	{Name: "quy_hoach", Type: feature.Bool},
	{Name: "ghi_chu", Type: feature.String},
}}

type sliceReader struct {
	fs []*feature.Feature
	i  int
}

func (r *sliceReader) Read() (*feature.Feature, error) {
	if r.i == len(r.fs) {
		return nil, io.EOF
	}
	r.i++
	return r.fs[r.i-1], nil
}
func (r *sliceReader) Close() error { return nil }

func buildLayer(t testing.TB, name string, fs []*feature.Feature) *index.Layer {
	t.Helper()
	l, err := index.Build(feature.LayerInfo{Name: name, Schema: parcelSchema}, &sliceReader{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	return l
}
