package cql2_test

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/internal/pgtest"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

// postgis starts a throwaway PostGIS cluster (internal/pgtest) and
// returns a function running SQL in it: several statements separated by
// semicolons (pgx's simple protocol), or one query whose rows' first
// columns come back one a line.
func postgis(t *testing.T) func(sql string) string {
	t.Helper()
	conn := pgtest.Start(t).Conn(t)
	ctx := context.Background()
	return func(sql string) string {
		t.Helper()
		if !strings.HasPrefix(sql, "SELECT") {
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Fatalf("postgis: %v", err)
			}
			return ""
		}
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			t.Fatalf("postgis: %s: %v", sql, err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatalf("postgis: %v", err)
			}
			fmt.Fprintf(&b, "%v\n", vals[0])
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("postgis: %s: %v", sql, err)
		}
		return b.String()
	}
}

// grid returns a random coordinate on a 1/8 grid in [0, 40]: exact in
// binary, so that touching and collinear cases are exact for both
// PostGIS and the evaluator, and frequent.
func grid(r *rand.Rand) float64 { return float64(r.Intn(321)) / 8 }

// starPolygon is a simple polygon around c (radii from lo to hi at
// increasing angles, far enough apart that snapping to the grid keeps
// their order), with a hole of the same shape inside when hole is set.
func starPolygon(r *rand.Rand, hole bool) orb.Polygon {
	c := orb.Point{8 + float64(r.Intn(193))/8, 8 + float64(r.Intn(193))/8}
	n := 3 + r.Intn(6)
	if hole && n < 5 {
		n = 5 // a triangle's or a square's inner circle is too small for the hole
	}
	ring := func(lo, hi float64) orb.Ring {
		var rg orb.Ring
		for i := 0; i < n; i++ {
			a := 2 * math.Pi * (float64(i) + 0.5*r.Float64()) / float64(n)
			d := lo + (hi-lo)*r.Float64()
			rg = append(rg, orb.Point{math.Round((c[0]+d*math.Cos(a))*8) / 8, math.Round((c[1]+d*math.Sin(a))*8) / 8})
		}
		return append(rg, rg[0])
	}
	p := orb.Polygon{ring(4.5, 8)}
	if hole {
		p = append(p, ring(1, 1.8))
	}
	return p
}

func randomGeometry(r *rand.Rand) orb.Geometry {
	switch r.Intn(6) {
	case 0:
		return orb.Point{grid(r), grid(r)}
	case 1:
		ls := orb.LineString{}
		for i := 0; i < 2+r.Intn(4); i++ {
			ls = append(ls, orb.Point{grid(r), grid(r)})
		}
		return ls
	case 2:
		return starPolygon(r, true)
	case 3:
		// Disjoint parts: the second is moved 40 to the east.
		b := starPolygon(r, r.Intn(2) == 0)
		for _, rg := range b {
			for i := range rg {
				rg[i][0] += 40
			}
		}
		return orb.MultiPolygon{starPolygon(r, false), b}
	case 4:
		return orb.MultiPoint{{grid(r), grid(r)}, {grid(r), grid(r)}}
	}
	return starPolygon(r, false)
}

func sqlValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	panic(fmt.Sprintf("value %T", v))
}

// TestAgainstPostGIS evaluates filters on random features and compares
// the ids with what PostGIS selects with ToSQL's WHERE clause on the same
// rows: attributes with nulls (three-valued logic), LIKE with escapes,
// and S_INTERSECTS between points, lines, polygons with holes and
// multi-geometries on a coarse grid, where touching is common.
func TestAgainstPostGIS(t *testing.T) {
	pg := postgis(t)
	seed := int64(20261202)
	if s := os.Getenv("SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (set SEED to repeat)", seed)
	r := rand.New(rand.NewSource(seed))

	pick := func(vals ...any) any { return vals[r.Intn(len(vals))] }
	const n = 400
	recs := make([]rec, n)
	var ins strings.Builder
	ins.WriteString("BEGIN;\n")
	ins.WriteString(`CREATE TABLE t (id int, ma_dat text, dien_tich double precision, so_to bigint, hop_le boolean, ngay date, "ten xa" text, geom geometry(Geometry, 4326));` + "\n")
	for i := range recs {
		recs[i] = rec{vals: []any{
			pick("ODT", "ONT", "CLN", "DGT", nil),
			pick(float64(r.Intn(2000))/4, 100.0, nil),
			pick(int64(r.Intn(10)-3), nil),
			pick(true, false, nil),
			pick("2024-05-01", "2025-07-01", "2023-12-31", nil),
			pick("Chiềng Lề", "Tô Hiệu", "O'Brien", "a_b%c", `x\y`, "ODT", nil),
		}, geom: randomGeometry(r)}
		fmt.Fprintf(&ins, "INSERT INTO t VALUES (%d", i)
		for _, v := range recs[i].vals {
			ins.WriteString(", " + sqlValue(v))
		}
		fmt.Fprintf(&ins, ", ST_GeomFromText('%s', 4326));\n", strings.TrimPrefix(cql2.WKT(recs[i].geom), ""))
	}
	ins.WriteString("COMMIT;\n")
	pg(ins.String())
	// Every geometry is valid by construction; the test checks it, as
	// intersection with invalid geometries is undefined on both sides.
	if got := pg("SELECT coalesce(string_agg(ST_IsValidReason(geom) || ' ' || ST_AsText(geom), E'\\n'), '') FROM t WHERE NOT ST_IsValid(geom);"); strings.TrimSpace(got) != "" {
		t.Fatalf("invalid geometries generated:\n%s", got)
	}

	filters := []string{
		`ma_dat = 'ODT'`, `ma_dat <> 'ODT'`, `NOT (ma_dat = 'ODT')`, `ma_dat < 'DGT'`, `ma_dat >= 'CLN'`,
		`dien_tich > 100`, `dien_tich <= 100.0`, `dien_tich BETWEEN 50 AND 250.25`, `dien_tich NOT BETWEEN 50 AND 250.25`,
		`so_to IN (0, 1, -3)`, `so_to NOT IN (0, 1)`, `so_to < dien_tich`, `so_to = 2.0`,
		`hop_le = TRUE`, `hop_le <> TRUE`, `NOT hop_le = FALSE`, `hop_le IS NULL`, `hop_le IS NOT NULL`,
		`ngay > DATE('2024-01-01')`, `ngay = '2025-07-01'`, `ngay BETWEEN '2024-01-01' AND '2024-12-31'`,
		`"ten xa" LIKE 'Chiềng%'`, `"ten xa" LIKE 'a\_b\%c'`, `"ten xa" LIKE '%\\%'`, `"ten xa" NOT LIKE '_%'`, `"ten xa" LIKE '%''%'`,
		`"ten xa" = ma_dat`, `"ten xa" > 'P'`,
		`ma_dat = 'ODT' OR hop_le = TRUE`, `ma_dat = 'ODT' AND NOT (hop_le = TRUE OR so_to > 2)`,
		`NOT (ma_dat IS NULL OR dien_tich IS NULL)`, `TRUE AND NOT FALSE`,
	}
	for i := 0; i < 120; i++ {
		var g string
		switch i % 5 {
		case 0:
			x0, y0 := grid(r), grid(r)
			g = fmt.Sprintf("BBOX(%g, %g, %g, %g)", x0, y0, x0+float64(r.Intn(80))/8, y0+float64(r.Intn(80))/8)
		case 1:
			g = cql2.WKT(orb.Point{grid(r), grid(r)})
		case 2:
			g = cql2.WKT(orb.LineString{{grid(r), grid(r)}, {grid(r), grid(r)}, {grid(r), grid(r)}})
		case 3:
			g = cql2.WKT(starPolygon(r, r.Intn(2) == 0))
		case 4:
			g = cql2.WKT(orb.MultiPoint{{grid(r), grid(r)}, {grid(r), grid(r)}, {grid(r), grid(r)}})
		}
		f := "S_INTERSECTS(geometry, " + g + ")"
		switch i % 3 {
		case 1:
			f = "NOT " + f + " AND ma_dat IN ('ODT', 'ONT')"
		case 2:
			f = f + " OR hop_le = FALSE"
		}
		filters = append(filters, f)
	}

	want := map[int]string{}
	for i, f := range filters {
		e, err := cql2.ParseText(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := cql2.Bind(e, cql2.Queryables{Schema: schema}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		where, err := cql2.ToSQL(e, "geom")
		if err != nil {
			t.Fatal(err)
		}
		want[i] = strings.TrimSuffix(pg(fmt.Sprintf("SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM t WHERE %s", where)), "\n")
	}
	if len(want) != len(filters) {
		t.Fatalf("PostGIS answered %d of %d filters", len(want), len(filters))
	}
	total := 0
	for i, f := range filters {
		e, _ := cql2.ParseText(f)
		cql2.Bind(e, cql2.Queryables{Schema: schema})
		for _, d := range []cql2.Dictionary{nil, newRecDict(recs)} {
			pred, err := cql2.Compile(e, d)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			for id, rc := range recs {
				var x cql2.Record = rc
				if d != nil {
					x = codedRec{rc, d.(recDict)}
				}
				if pred(x) {
					ids = append(ids, id)
				}
			}
			sort.Ints(ids)
			got := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(ids)), ","), "[]")
			if got != want[i] {
				t.Errorf("%s (dictionary %v):\n evaluator %s\n   PostGIS %s", f, d != nil, got, want[i])
			}
			total += len(ids)
		}
	}
	t.Logf("%d filters, %d matches in all", len(filters), total/2)
}

// recDict codes the values of each field by first appearance, as
// pkg/index does; string fields are declared exactly coded.
type recDict []map[any]uint32

func newRecDict(recs []rec) recDict {
	d := make(recDict, len(schema.Fields))
	for f := range d {
		d[f] = map[any]uint32{}
		for _, r := range recs {
			if v := r.Value(f); v != nil {
				if _, ok := d[f][v]; !ok {
					d[f][v] = uint32(len(d[f]) + 1)
				}
			}
		}
	}
	return d
}

func (d recDict) Lookup(field int, v any) (uint32, bool, bool) {
	c, ok := d[field][v]
	return c, ok, schema.Fields[field].Type == feature.String
}

type codedRec struct {
	rec
	d recDict
}

func (c codedRec) Code(field int) uint32 {
	v := c.Value(field)
	if v == nil {
		return 0
	}
	return c.d[field][v]
}
