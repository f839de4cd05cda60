package index_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/internal/pgtest"
	"github.com/sonla-gis/plantile/pkg/index"
)

// agree is how close, in degrees (about 1 cm), the index's coordinates
// and PostGIS's must be. It is also the margin around boundaries: a point
// or box closer than agree to a feature's boundary is not compared,
// because there the answer depends on the last bits of two independent
// reprojections (measured here: they differ by about 1e-12 degrees).
const agree = 1e-7

// TestPostGISAgrees loads the Son La demo layers into the index as
// `plantile build` does (pkg/ingest, PROJ, EPSG:9206 to WGS 84 through
// EPSG:6960) and into a throwaway PostGIS with ogr2ogr -t_srs EPSG:4326
// (GDAL and PROJ choose the same transformation), checks first that both
// hold the same coordinates within 1e-7 degrees, then compares at seeded
// random places:
//
//   - points: polygon features containing the point, PointIn(p, 0) against
//     ST_Intersects(geom, point); lines and points within tol degrees of
//     it, PointIn(p, tol) against ST_DWithin(geom, point, tol);
//   - boxes: Search(box) and the exact intersectsBox against
//     ST_Intersects(geom, ST_MakeEnvelope(box)).
//
// Boundary cases: ST_Intersects counts a point on a polygon's boundary
// (a hole's ring included) as intersecting. Exactly-on-boundary points
// are not comparable between two stores whose coordinates differ in the
// last bits, so places within `agree` of a boundary (or of the tolerance
// distance) are counted, logged and left out; random places land there
// with a probability of about 1e-4.
func TestPostGISAgrees(t *testing.T) {
	c := pgtest.Start(t)
	conn := c.Conn(t)
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SEED=%q: %v", v, err)
		}
		s = n
	}
	t.Logf("SEED=%d (set SEED to replay)", s)
	rng := rand.New(rand.NewPCG(s, 8))

	demo := filepath.Join("..", "..", "testdata", "sonla")
	layers := []struct {
		path, table string
		tol         float64 // degrees, for lines and points
	}{
		{filepath.Join(demo, "shp", "landuse.shp"), "landuse", 0},
		{filepath.Join(demo, "boundaries", "boundaries.geojson"), "boundaries", 0},
		{filepath.Join(demo, "shp", "roads.shp"), "roads", 3e-4},
		{filepath.Join(demo, "shp", "facilities.shp"), "facilities", 5e-4},
		// The demo has no holes: a seeded layer of polygons with holes
		// and islands in them makes the test see how holes are treated.
		{writeDonuts(t, rng, 150), "donuts", 0},
	}
	for _, ly := range layers {
		t.Run(ly.table, func(t *testing.T) {
			l := loadLayer(t, ly.path)
			c.Load(t, ly.path, ly.table, "-t_srs", "EPSG:4326")
			var invalid, holes int
			err := conn.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE NOT ST_IsValid(geom)),
				coalesce(sum(ST_NRings(geom) - ST_NumGeometries(geom)) FILTER (WHERE ST_Dimension(geom) = 2), 0)
				FROM `+ly.table).Scan(&invalid, &holes)
			if err != nil {
				t.Fatal(err)
			}
			if invalid > 0 {
				t.Errorf("%d invalid geometries: ST_Intersects is not defined on them", invalid)
			}
			t.Logf("%d holes", holes)
			pg := fetchGeometries(t, conn, ly.table)
			fid := matchFeatures(t, l, pg)
			q := &pgQuery{t: t, conn: conn, table: ly.table}
			t.Run("points", func(t *testing.T) {
				q.t = t
				comparePoints(t, rng, l, fid, q, ly.tol)
			})
			t.Run("boxes", func(t *testing.T) {
				q.t = t
				compareBoxes(t, rng, l, fid, q)
			})
		})
	}
}

// fetchGeometries returns PostGIS's geometries by fid (nil for NULL).
func fetchGeometries(t *testing.T, conn *pgx.Conn, table string) map[int64]orb.Geometry {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT fid, ST_AsBinary(geom) FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]orb.Geometry{}
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			t.Fatal(err)
		}
		var g orb.Geometry
		if b != nil {
			if g, err = wkb.Unmarshal(b); err != nil {
				t.Fatalf("%s fid %d: %v", table, id, err)
			}
		}
		out[id] = g
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// matchFeatures pairs each index feature with the PostGIS feature of the
// same geometry (within agree, vertex by vertex, ring orientation and
// starting vertex aside) and returns the PostGIS fid of each index feature.
// It fails unless the pairing is one to one: the two loads then hold the
// same features with the same coordinates, whatever ids either gives.
func matchFeatures(t *testing.T, l *index.Layer, pg map[int64]orb.Geometry) []int64 {
	t.Helper()
	if l.Len() != len(pg) {
		t.Fatalf("index has %d features, PostGIS %d", l.Len(), len(pg))
	}
	type cand struct {
		fid int64
		b   orb.Bound
	}
	var cands []cand
	for id, g := range pg {
		if g != nil {
			cands = append(cands, cand{id, g.Bound()})
		}
	}
	sort.Slice(cands, func(a, b int) bool { return cands[a].b.Min[0] < cands[b].b.Min[0] })
	used := map[int64]int{}
	fid := make([]int64, l.Len())
	worst := 0.0
	for i := range fid {
		fid[i] = -1
		g := l.Geometry(i)
		if g == nil {
			continue
		}
		b := g.Bound()
		k := sort.Search(len(cands), func(k int) bool { return cands[k].b.Min[0] >= b.Min[0]-agree })
		for ; k < len(cands) && cands[k].b.Min[0] <= b.Min[0]+agree; k++ {
			cb := cands[k].b
			if math.Abs(cb.Min[1]-b.Min[1]) > agree || math.Abs(cb.Max[0]-b.Max[0]) > agree || math.Abs(cb.Max[1]-b.Max[1]) > agree {
				continue
			}
			if _, taken := used[cands[k].fid]; taken {
				continue
			}
			if d, ok := geometryDistance(g, pg[cands[k].fid]); ok && d <= agree {
				fid[i] = cands[k].fid
				used[cands[k].fid] = i
				worst = max(worst, d)
				break
			}
		}
		if fid[i] < 0 {
			t.Errorf("index feature %d (%v): no PostGIS feature with the same coordinates within %g°", i, b, agree)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d features paired; coordinates differ by at most %.1e°", l.Len(), worst)
	return fid
}

// geometryDistance returns the largest distance between corresponding
// vertices of a and b, and false when their structure differs. Rings
// are compared as cycles in either direction: readers may reorient them.
func geometryDistance(a, b orb.Geometry) (float64, bool) {
	pa, pb := parts(a), parts(b)
	if len(pa) != len(pb) {
		return 0, false
	}
	worst := 0.0
	for k := range pa {
		if len(pa[k]) != len(pb[k]) {
			return 0, false
		}
		for r := range pa[k] {
			d, ok := ringDistance(pa[k][r], pb[k][r])
			if !ok {
				return 0, false
			}
			worst = max(worst, d)
		}
	}
	return worst, true
}

// parts flattens a geometry into parts of rings: a polygon's rings, a
// line, or a single point.
func parts(g orb.Geometry) [][][]orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return [][][]orb.Point{{{g}}}
	case orb.MultiPoint:
		var out [][][]orb.Point
		for _, p := range g {
			out = append(out, [][]orb.Point{{p}})
		}
		return out
	case orb.LineString:
		return [][][]orb.Point{{g}}
	case orb.MultiLineString:
		var out [][][]orb.Point
		for _, ls := range g {
			out = append(out, [][]orb.Point{ls})
		}
		return out
	case orb.Polygon:
		rs := make([][]orb.Point, len(g))
		for i, r := range g {
			rs[i] = r
		}
		return [][][]orb.Point{rs}
	case orb.MultiPolygon:
		var out [][][]orb.Point
		for _, p := range g {
			out = append(out, parts(p)...)
		}
		return out
	}
	return nil
}

func ringDistance(a, b []orb.Point) (float64, bool) {
	if len(a) != len(b) || len(a) == 0 {
		return 0, len(a) == len(b)
	}
	closed := len(a) > 3 && a[0] == a[len(a)-1] && b[0] == b[len(b)-1]
	if !closed {
		d := 0.0
		for k := range a {
			d = max(d, planar.Distance(a[k], b[k]))
		}
		return d, true
	}
	a, b = a[:len(a)-1], b[:len(b)-1]
	n := len(a)
	start, best := 0, math.Inf(1)
	for k := range b {
		if d := planar.Distance(a[0], b[k]); d < best {
			start, best = k, d
		}
	}
	worst := math.Inf(1)
	for _, dir := range []int{1, -1} {
		d := 0.0
		for k := range a {
			d = max(d, planar.Distance(a[k], b[((start+dir*k)%n+n)%n]))
		}
		worst = min(worst, d)
	}
	return worst, true
}

// pgQuery asks PostGIS for the fids of table's features at a place.
type pgQuery struct {
	t     *testing.T
	conn  *pgx.Conn
	table string
}

func (q *pgQuery) fids(sql string, args ...any) []int64 {
	q.t.Helper()
	rows, err := q.conn.Query(context.Background(), fmt.Sprintf(sql, q.table), args...)
	if err != nil {
		q.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		q.t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// randomPlaces returns n points: half uniform over the layer's bounds,
// half uniform over the bounds of a random feature (so that most land in
// or near a parcel, not in the empty province around the town).
func randomPlaces(rng *rand.Rand, l *index.Layer, n int) []orb.Point {
	in := func(b orb.Bound) orb.Point {
		return orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	pts := make([]orb.Point, 0, n)
	for len(pts) < n/2 {
		pts = append(pts, in(l.Bounds()))
	}
	for len(pts) < n {
		i := rng.IntN(l.Len())
		if b := l.FeatureBound(i); l.Kind(i) != index.KindNone {
			pts = append(pts, in(b.Pad(b.Max[0]-b.Min[0]+b.Max[1]-b.Min[1]+1e-4)))
		}
	}
	return pts
}

// boundaryDistance is the distance from p to the boundary of g (its
// rings, lines or points).
func boundaryDistance(g orb.Geometry, p orb.Point) float64 {
	d := math.Inf(1)
	for _, part := range parts(g) {
		for _, r := range part {
			if len(r) == 1 {
				d = min(d, planar.Distance(r[0], p))
			} else {
				d = min(d, planar.DistanceFrom(orb.LineString(r), p))
			}
		}
	}
	return d
}

func comparePoints(t *testing.T, rng *rand.Rand, l *index.Layer, fid []int64, q *pgQuery, tol float64) {
	const n = 400
	compared, edge, hits := 0, 0, 0
	for _, p := range randomPlaces(rng, l, n) {
		// Leave out places within agree of a boundary (or of the
		// tolerance distance for lines and points).
		near := false
		l.Search(orb.Bound{Min: p, Max: p}.Pad(tol+agree), func(i int) bool {
			if math.Abs(boundaryDistance(l.Geometry(i), p)-tol) <= agree {
				near = true
			}
			return !near
		})
		if near {
			edge++
			continue
		}
		var got []int64
		l.PointIn(p, tol, func(i int) bool {
			got = append(got, fid[i])
			return true
		})
		slices.Sort(got)
		var want []int64
		if tol == 0 {
			want = q.fids(`SELECT fid FROM %s WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, p[0], p[1])
		} else {
			want = q.fids(`SELECT fid FROM %s WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326), $3)`, p[0], p[1], tol)
		}
		if !slices.Equal(got, want) {
			t.Errorf("POINT(%.12f %.12f) tol %g: index %v, PostGIS %v", p[0], p[1], tol, got, want)
		}
		compared++
		if len(want) > 0 {
			hits++
		}
	}
	t.Logf("%d points compared (%d with features), %d within %g° of a boundary left out", compared, hits, edge, agree)
	if hits < compared/10 {
		t.Errorf("only %d of %d points hit a feature: the comparison proves little", hits, compared)
	}
}

func compareBoxes(t *testing.T, rng *rand.Rand, l *index.Layer, fid []int64, q *pgQuery) {
	const n = 300
	compared, edge, hits, candidates, exact := 0, 0, 0, 0, 0
	for _, c := range randomPlaces(rng, l, n) {
		// Sides from 1 m to 1 km, log-uniform.
		w, h := math.Pow(10, -5+3*rng.Float64()), math.Pow(10, -5+3*rng.Float64())
		box := orb.Bound{Min: orb.Point{c[0] - w/2, c[1] - h/2}, Max: orb.Point{c[0] + w/2, c[1] + h/2}}
		inner, outer := box.Pad(-agree), box.Pad(agree)
		near := false
		l.Search(outer, func(i int) bool {
			g := l.Geometry(i)
			near = intersectsBox(g, inner) != intersectsBox(g, outer)
			return !near
		})
		if near {
			edge++
			continue
		}
		var got []int64
		l.Search(box, func(i int) bool {
			candidates++
			if intersectsBox(l.Geometry(i), box) {
				got = append(got, fid[i])
			}
			return true
		})
		slices.Sort(got)
		exact += len(got)
		want := q.fids(`SELECT fid FROM %s WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))`,
			box.Min[0], box.Min[1], box.Max[0], box.Max[1])
		if !slices.Equal(got, want) {
			t.Errorf("BOX(%.12f %.12f, %.12f %.12f): index %v, PostGIS %v", box.Min[0], box.Min[1], box.Max[0], box.Max[1], got, want)
		}
		compared++
		if len(want) > 0 {
			hits++
		}
	}
	t.Logf("%d boxes compared (%d with features), %d within %g° of a boundary left out; "+
		"Search gave %d candidates by bounding box, %d intersect exactly", compared, hits, edge, agree, candidates, exact)
	if hits < compared/10 {
		t.Errorf("only %d of %d boxes hit a feature: the comparison proves little", hits, compared)
	}
}

// writeDonuts writes a GeoJSON layer of n random star-shaped polygons
// around Son La city, each with one or two holes, some holes holding an
// island (a second polygon of a MultiPolygon), and returns its path.
// Polygons may overlap each other; each one is valid.
func writeDonuts(t *testing.T, rng *rand.Rand, n int) string {
	star := func(cx, cy, r0, r1 float64, ccw bool) [][2]float64 {
		k := 12 + rng.IntN(20) // dense enough that chords stay outside the holes
		pts := make([][2]float64, 0, k+1)
		for j := range k {
			a := 2 * math.Pi * (float64(j) + 0.8*rng.Float64()) / float64(k)
			if !ccw {
				a = -a
			}
			r := r0 + (r1-r0)*rng.Float64()
			pts = append(pts, [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)})
		}
		return append(pts, pts[0])
	}
	type geom struct {
		Type        string `json:"type"`
		Coordinates any    `json:"coordinates"`
	}
	type feat struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Geometry   geom           `json:"geometry"`
	}
	fc := struct {
		Type     string `json:"type"`
		Features []feat `json:"features"`
	}{Type: "FeatureCollection"}
	for i := range n {
		cx, cy := 103.88+0.05*rng.Float64(), 21.30+0.05*rng.Float64()
		r := 2e-4 + 2e-3*rng.Float64()
		poly := [][][2]float64{star(cx, cy, 0.6*r, r, true)}
		var islands [][][][2]float64
		if rng.IntN(3) == 0 {
			// Two holes side by side.
			poly = append(poly, star(cx-0.25*r, cy, 0.05*r, 0.2*r, false), star(cx+0.25*r, cy, 0.05*r, 0.2*r, false))
		} else {
			poly = append(poly, star(cx, cy, 0.2*r, 0.5*r, false))
			if rng.IntN(2) == 0 {
				islands = append(islands, [][][2]float64{star(cx, cy, 0.05*r, 0.15*r, true)})
			}
		}
		g := geom{Type: "Polygon", Coordinates: poly}
		if islands != nil {
			g = geom{Type: "MultiPolygon", Coordinates: append([][][][2]float64{poly}, islands...)}
		}
		fc.Features = append(fc.Features, feat{Type: "Feature", Properties: map[string]any{"n": i}, Geometry: g})
	}
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "donuts.geojson")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
