package cql2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

var schema = feature.Schema{Fields: []feature.Field{
	{Name: "ma_dat", Type: feature.String},
	{Name: "dien_tich", Type: feature.Float},
	{Name: "so_to", Type: feature.Int},
	{Name: "hop_le", Type: feature.Bool},
	{Name: "ngay", Type: feature.Date},
	{Name: "ten xa", Type: feature.String},
	{Name: "extra", Type: feature.JSON},
}}

// rec is a test feature: values by field index and a geometry.
type rec struct {
	vals []any
	geom orb.Geometry
}

func (r rec) Value(f int) any {
	if f < len(r.vals) {
		return r.vals[f]
	}
	return nil
}
func (r rec) Geometry() orb.Geometry { return r.geom }

func square(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// records used by the evaluation tables; names are their index.
var records = []rec{
	0: {[]any{"ODT", 120.5, int64(3), true, "2024-05-01", "Chiềng Lề"}, square(0, 0, 1, 1)},
	1: {[]any{"ONT", 80.0, int64(7), false, "2025-07-01", "Tô Hiệu"}, square(2, 2, 3, 3)},
	2: {[]any{"CLN", nil, int64(3), nil, nil, "O'Brien"}, orb.Point{5, 5}},
	3: {[]any{nil, 1000.0, nil, true, "2023-01-31", "a_b%c"}, orb.LineString{{-1, 0.5}, {-0.5, 0.5}}},
	4: {[]any{"DGT", 15.0, int64(-2), false, "2024-12-31", "Chiềng Sinh"}, orb.Polygon{{{10, 10}, {20, 10}, {20, 20}, {10, 20}, {10, 10}}, {{12, 12}, {18, 12}, {18, 18}, {12, 18}, {12, 12}}}},
}

func matches(t *testing.T, e cql2.Expr, dict cql2.Dictionary) []int {
	t.Helper()
	pred, err := cql2.Compile(e, dict)
	if err != nil {
		t.Fatalf("compile %s: %v", e, err)
	}
	var got []int
	for i, r := range records {
		var rr cql2.Record = r
		if dict != nil {
			rr = coded{r}
		}
		if pred(rr) {
			got = append(got, i)
		}
	}
	return got
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// evalCases pair a cql2-text filter, its cql2-json form and the records
// that match (by hand, from the table above).
var evalCases = []struct {
	text, json string
	want       []int
}{
	{`ma_dat = 'ODT'`, `{"op":"=","args":[{"property":"ma_dat"},"ODT"]}`, []int{0}},
	{`'ODT' = ma_dat`, `{"op":"=","args":["ODT",{"property":"ma_dat"}]}`, []int{0}},
	{`ma_dat <> 'ODT'`, `{"op":"<>","args":[{"property":"ma_dat"},"ODT"]}`, []int{1, 2, 4}},
	{`dien_tich > 80`, `{"op":">","args":[{"property":"dien_tich"},80]}`, []int{0, 3}},
	{`dien_tich >= 80`, `{"op":">=","args":[{"property":"dien_tich"},80]}`, []int{0, 1, 3}},
	{`dien_tich < 80.5`, `{"op":"<","args":[{"property":"dien_tich"},80.5]}`, []int{1, 4}},
	{`so_to <= 3`, `{"op":"<=","args":[{"property":"so_to"},3]}`, []int{0, 2, 4}},
	{`so_to = 3.0`, `{"op":"=","args":[{"property":"so_to"},3.0]}`, []int{0, 2}},
	{`so_to = -2`, `{"op":"=","args":[{"property":"so_to"},-2]}`, []int{4}},
	{`hop_le = TRUE`, `{"op":"=","args":[{"property":"hop_le"},true]}`, []int{0, 3}},
	{`hop_le`, ``, nil}, // a bare property is not a predicate: error case below
	{`NOT hop_le = TRUE`, `{"op":"not","args":[{"op":"=","args":[{"property":"hop_le"},true]}]}`, []int{1, 4}},
	{`ma_dat = 'ODT' OR ma_dat = 'ONT'`, `{"op":"or","args":[{"op":"=","args":[{"property":"ma_dat"},"ODT"]},{"op":"=","args":[{"property":"ma_dat"},"ONT"]}]}`, []int{0, 1}},
	{`so_to = 3 AND hop_le = TRUE`, `{"op":"and","args":[{"op":"=","args":[{"property":"so_to"},3]},{"op":"=","args":[{"property":"hop_le"},true]}]}`, []int{0}},
	{`so_to = 3 or ma_dat = 'DGT' and hop_le = false`, ``, []int{0, 2, 4}}, // AND binds tighter
	{`(so_to = 3 or ma_dat = 'DGT') and hop_le = false`, ``, []int{4}},
	{`NOT (so_to = 3)`, ``, []int{1, 4}}, // null so_to (3) stays unknown
	{`NOT NOT so_to = 3`, ``, []int{0, 2}},
	{`ma_dat LIKE 'O%'`, `{"op":"like","args":[{"property":"ma_dat"},"O%"]}`, []int{0, 1}},
	{`ma_dat LIKE '_NT'`, `{"op":"like","args":[{"property":"ma_dat"},"_NT"]}`, []int{1}},
	{`ma_dat NOT LIKE 'O%'`, `{"op":"not","args":[{"op":"like","args":[{"property":"ma_dat"},"O%"]}]}`, []int{2, 4}},
	{`"ten xa" LIKE 'Chiềng%'`, `{"op":"like","args":[{"property":"ten xa"},"Chiềng%"]}`, []int{0, 4}},
	{`"ten xa" LIKE 'a\_b\%c'`, ``, []int{3}},
	{`"ten xa" LIKE 'a\_b\%'`, ``, nil},
	{`"ten xa" = 'O''Brien'`, `{"op":"=","args":[{"property":"ten xa"},"O'Brien"]}`, []int{2}},
	{`"ten xa" LIKE 'tô%'`, ``, nil}, // case-sensitive, as PostgreSQL's LIKE
	{`ma_dat IN ('ODT', 'CLN', 'XYZ')`, `{"op":"in","args":[{"property":"ma_dat"},["ODT","CLN","XYZ"]]}`, []int{0, 2}},
	{`ma_dat NOT IN ('ODT', 'CLN')`, `{"op":"not","args":[{"op":"in","args":[{"property":"ma_dat"},["ODT","CLN"]]}]}`, []int{1, 4}},
	{`so_to IN (3, 7)`, ``, []int{0, 1, 2}},
	{`dien_tich BETWEEN 15 AND 120.5`, `{"op":"between","args":[{"property":"dien_tich"},15,120.5]}`, []int{0, 1, 4}},
	{`dien_tich NOT BETWEEN 15 AND 120.5`, ``, []int{3}},
	{`ma_dat IS NULL`, `{"op":"isNull","args":[{"property":"ma_dat"}]}`, []int{3}},
	{`ma_dat IS NOT NULL`, `{"op":"not","args":[{"op":"isNull","args":[{"property":"ma_dat"}]}]}`, []int{0, 1, 2, 4}},
	{`ngay >= DATE('2024-06-01')`, `{"op":">=","args":[{"property":"ngay"},{"date":"2024-06-01"}]}`, []int{1, 4}},
	{`ngay < '2024-01-01'`, ``, []int{3}},
	{`so_to < dien_tich`, `{"op":"<","args":[{"property":"so_to"},{"property":"dien_tich"}]}`, []int{0, 1, 4}},
	{`TRUE`, `true`, []int{0, 1, 2, 3, 4}},
	{`FALSE OR ma_dat = 'CLN'`, ``, []int{2}},
	{`S_INTERSECTS(geometry, POINT(0.5 0.5))`, `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[0.5,0.5]}]}`, []int{0}},
	{`S_INTERSECTS(geometry, POINT(1 1))`, ``, []int{0}},   // corner counts
	{`S_INTERSECTS(geometry, POINT(15 15))`, ``, nil},      // in the hole
	{`S_INTERSECTS(geometry, POINT(12 15))`, ``, []int{4}}, // on the hole's edge
	{`S_INTERSECTS(geometry, POINT(11 15))`, ``, []int{4}}, // between rings
	{`S_INTERSECTS(geom, BBOX(0.5, 0.4, 2.5, 2.6))`, `{"op":"s_intersects","args":[{"property":"geom"},{"bbox":[0.5,0.4,2.5,2.6]}]}`, []int{0, 1}},
	{`S_INTERSECTS(geometry, BBOX(13, 13, 17, 17))`, ``, nil}, // box inside the hole
	{`S_INTERSECTS(geometry, BBOX(-100, -100, 100, 100))`, ``, []int{0, 1, 2, 3, 4}},
	{`S_INTERSECTS(geometry, BBOX(4, 4, 5, 5, 0, 1))`, ``, nil}, // 6 numbers: minx,miny,minz,maxx,maxy,maxz -> (4,4)-(5,5)? see below
	{`S_INTERSECTS(geometry, LINESTRING(-0.75 -1, -0.75 1))`, `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"LineString","coordinates":[[-0.75,-1],[-0.75,1]]}]}`, []int{3}},
	{`S_INTERSECTS(geometry, LINESTRING(0.2 0.2, 0.8 0.8))`, ``, []int{0}}, // wholly inside, no crossing
	{`S_INTERSECTS(geometry, POLYGON((-5 -5, 25 -5, 25 25, -5 25, -5 -5)))`, ``, []int{0, 1, 2, 3, 4}},
	{`S_INTERSECTS(geometry, POLYGON((0.25 0.25, 0.75 0.25, 0.75 0.75, 0.25 0.25)))`, ``, []int{0}},
	{`S_INTERSECTS(geometry, POLYGON((-2 -2, 4 -2, 4 4, -2 4, -2 -2), (-1.5 -1.5, 3.5 -1.5, 3.5 3.5, -1.5 3.5, -1.5 -1.5)))`, ``, nil}, // all inside the hole
	{`S_INTERSECTS(geometry, MULTIPOINT((5 5), (100 100)))`, `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[[5,5],[100,100]]}]}`, []int{2}},
	{`S_INTERSECTS(geometry, MULTIPOLYGON(((4 4, 6 4, 6 6, 4 6, 4 4)), ((2.5 2.5, 2.6 2.5, 2.6 2.6, 2.5 2.5))))`, ``, []int{1, 2}},
	{`S_INTERSECTS(POINT(0.5 0.5), geometry) AND ma_dat = 'ODT'`, ``, []int{0}},
}

func bind(t *testing.T, e cql2.Expr) {
	t.Helper()
	if err := cql2.Bind(e, cql2.Queryables{Schema: schema}); err != nil {
		t.Fatalf("bind %s: %v", e, err)
	}
}

func TestEvaluate(t *testing.T) {
	for _, c := range evalCases {
		if c.text == "hop_le" || strings.Contains(c.text, "0, 1)") {
			continue
		}
		t.Run(c.text, func(t *testing.T) {
			e, err := cql2.ParseText(c.text)
			if err != nil {
				t.Fatal(err)
			}
			bind(t, e)
			if got := matches(t, e, nil); !sameInts(got, c.want) {
				t.Errorf("text: got %v, want %v", got, c.want)
			}
			if got := matches(t, e, dict{}); !sameInts(got, c.want) {
				t.Errorf("text with dictionary codes: got %v, want %v", got, c.want)
			}
			// The String form parses back to a filter that matches the same.
			e2, err := cql2.ParseText(e.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", e.String(), err)
			}
			bind(t, e2)
			if got := matches(t, e2, nil); !sameInts(got, c.want) {
				t.Errorf("reparsed %s: got %v, want %v", e2, got, c.want)
			}
			if c.json == "" {
				return
			}
			j, err := cql2.ParseJSON([]byte(c.json))
			if err != nil {
				t.Fatal(err)
			}
			bind(t, j)
			if got := matches(t, j, nil); !sameInts(got, c.want) {
				t.Errorf("json: got %v, want %v", got, c.want)
			}
		})
	}
}

// dict codes every value of records by its first appearance, making each
// field exactly coded, as pkg/index does for fields with few values.
type dict struct{}

func codeOf(field int, v any) (uint32, bool) {
	if v == nil {
		return 0, true
	}
	seen := map[any]uint32{}
	for _, r := range records {
		x := r.Value(field)
		if x == nil {
			continue
		}
		if _, ok := seen[x]; !ok {
			seen[x] = uint32(len(seen) + 1)
		}
	}
	c, ok := seen[v]
	return c, ok
}

func (dict) Lookup(field int, v any) (uint32, bool, bool) {
	c, ok := codeOf(field, v)
	return c, ok, true
}

type coded struct{ rec }

func (c coded) Code(field int) uint32 {
	code, _ := codeOf(field, c.Value(field))
	return code
}

func TestBBox6(t *testing.T) {
	e, err := cql2.ParseText(`S_INTERSECTS(geometry, BBOX(4, 4, -1, 5, 5, 1))`)
	if err != nil {
		t.Fatal(err)
	}
	bind(t, e)
	if got := matches(t, e, nil); !sameInts(got, []int{2}) {
		t.Errorf("got %v, want [2]", got)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		want string // in the error
	}{
		{``, "expected a property or a literal"},
		{`hop_le`, "expected a comparison operator"},
		{`ma_dat = `, "expected a property or a literal"},
		{`ma_dat = 'ODT`, "unterminated string"},
		{`"ma_dat = 'ODT'`, "unterminated quoted property"},
		{`ma_dat == 'ODT'`, "expected a property or a literal"},
		{`ma_dat = 'ODT' AND`, "expected a property or a literal"},
		{`(ma_dat = 'ODT'`, "expected )"},
		{`ma_dat = 'ODT')`, "after the end"},
		{`ma_dat IN ()`, "expected a property or a literal"},
		{`ma_dat IN ('a', so_to)`, "IN takes a list of literals"},
		{`ma_dat LIKE so_to`, "LIKE needs a string pattern"},
		{`ma_dat BETWEEN 1`, "expected AND"},
		{`ma_dat IS 'x'`, "expected NULL"},
		{`ma_dat NOT = 'x'`, "after NOT"},
		{`so_to = 1e999`, "bad number"},
		{`so_to = 1.2.3`, "bad number"},
		{`ngay = DATE('2024-13-01')`, "bad DATE"},
		{`ngay = TIMESTAMP('2024-01-01')`, "bad TIMESTAMP"},
		{`S_INTERSECTS(geometry, POINT(1))`, "expected a number"},
		{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))`, "not closed"},
		{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))`, "at least 4 points"},
		{`S_INTERSECTS(geometry, LINESTRING(0 0))`, "at least 2 points"},
		{`S_INTERSECTS(geometry, BBOX(1, 1, 0, 0))`, "minimum above maximum"},
		{`S_INTERSECTS(geometry, BBOX(1, 1, 0))`, "4 or 6 numbers"},
		{`S_INTERSECTS(geometry, CIRCLE(1 1))`, "unsupported geometry"},
		{`S_INTERSECTS(geometry, geom)`, "not two properties"},
		{`S_INTERSECTS(POINT(0 0), POINT(1 1))`, "two literals"},
		{`S_INTERSECTS(geometry)`, "expected ,"},
		{`like = 'x'`, "keyword"},
		{`ma_dat = 'x' # 1`, "unexpected character"},
		{strings.Repeat("(", 300) + "TRUE" + strings.Repeat(")", 300), "nested deeper"},
		{strings.Repeat("NOT ", 100) + "TRUE", "nested deeper"},
		{"ma_dat = '\xff'", "UTF-8"},
	} {
		t.Run(c.text, func(t *testing.T) {
			_, err := cql2.ParseText(c.text)
			var se *cql2.SyntaxError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a syntax error with %q", err, c.want)
			}
		})
	}
}

func TestJSONErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{`, "not JSON"},
		{`{"op":"="}`, "needs an \"args\" array"},
		{`{"args":[]}`, "missing \"op\""},
		{`"x"`, "expected an object"},
		{`{"op":"=","args":[1]}`, "takes 2 arguments"},
		{`{"op":"and","args":[true]}`, "at least 2"},
		{`{"op":"frob","args":[1,2]}`, "unsupported operator"},
		{`{"op":"=","args":[{"property":"a"},[1]]}`, "expected a property"},
		{`{"op":"in","args":[{"property":"a"},[]]}`, "non-empty array"},
		{`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Circle","coordinates":[0,0]}]}`, "unsupported geometry type"},
		{`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[0]}]}`, "2 or 3 numbers"},
		{`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}]}`, "not closed"},
		{`{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[0,0,1]}]}`, "4 or 6"},
		{`{"op":"=","args":[{"property":"a"},{"date":"2024-1-1"}]}`, "bad DATE"},
		{`true false`, "after the JSON value"},
		{strings.Repeat(`{"op":"not","args":[`, 200) + "true" + strings.Repeat("]}", 200), "nested deeper"},
	} {
		t.Run(c.in, func(t *testing.T) {
			_, err := cql2.ParseJSON([]byte(c.in))
			var se *cql2.SyntaxError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a syntax error with %q", err, c.want)
			}
		})
	}
}

func TestBindErrors(t *testing.T) {
	for _, c := range []struct{ text, prop, reason string }{
		{`nope = 1`, "nope", "no such queryable"},
		{`ma_dat = 1`, "ma_dat", "is string"},
		{`dien_tich = 'x'`, "dien_tich", "is float"},
		{`so_to = TRUE`, "so_to", "is integer"},
		{`hop_le = 1`, "hop_le", "is boolean"},
		{`extra = 'x'`, "extra", "JSON"},
		{`dien_tich LIKE 'x%'`, "dien_tich", "LIKE needs a text"},
		{`ma_dat = so_to`, "so_to", "compared with"},
		{`S_INTERSECTS(ma_dat, POINT(0 0))`, "ma_dat", "not the geometry"},
		{`geometry = 'x'`, "geometry", "only be used in S_INTERSECTS"},
		{`ma_dat IN ('a', 2)`, "ma_dat", "is string"},
		{`ngay = '2024-02'`, "ngay", "is a date"},
		{`ngay LIKE '2024%'`, "ngay", "LIKE needs a text"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e, err := cql2.ParseText(c.text)
			if err != nil {
				t.Fatal(err)
			}
			err = cql2.Bind(e, cql2.Queryables{Schema: schema})
			var pe *cql2.PropertyError
			if !errors.As(err, &pe) || pe.Property != c.prop || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("got %v, want a property error on %q with %q", err, c.prop, c.reason)
			}
		})
	}
	e0, _ := cql2.ParseText(`'a' < 1`)
	if err := cql2.Bind(e0, cql2.Queryables{Schema: schema}); err == nil {
		t.Error("string compared with a number accepted")
	}
	// Compile refuses an unbound property.
	e, _ := cql2.ParseText(`ma_dat = 'x'`)
	if _, err := cql2.Compile(e, nil); err == nil {
		t.Error("compile of an unbound filter succeeded")
	}
}

func TestBound(t *testing.T) {
	for _, c := range []struct {
		text string
		want orb.Bound
		ok   bool
	}{
		{`ma_dat = 'x'`, orb.Bound{}, false},
		{`S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))`, orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}, true},
		{`S_INTERSECTS(geometry, LINESTRING(1 5, 3 2))`, orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 5}}, true},
		{`ma_dat = 'x' AND S_INTERSECTS(geometry, POINT(1 2))`, orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{1, 2}}, true},
		{`S_INTERSECTS(geometry, BBOX(0, 0, 10, 10)) AND S_INTERSECTS(geometry, BBOX(1, 1, 2, 2))`, orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{2, 2}}, true},
		{`S_INTERSECTS(geometry, POINT(0 0)) OR S_INTERSECTS(geometry, POINT(5 6))`, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{5, 6}}, true},
		{`S_INTERSECTS(geometry, POINT(0 0)) OR ma_dat = 'x'`, orb.Bound{}, false},
		{`NOT S_INTERSECTS(geometry, POINT(0 0))`, orb.Bound{}, false},
	} {
		e, err := cql2.ParseText(c.text)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := cql2.Bound(e)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%s: got %v %v, want %v %v", c.text, got, ok, c.want, c.ok)
		}
	}
}

func TestToSQL(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`ma_dat = 'O''Brien'`, `"ma_dat" = 'O''Brien'`},
		{`"a""b" = 1`, `"a""b" = 1`},
		{`ma_dat < 'B'`, `"ma_dat" < 'B' COLLATE "C"`},
		{`dien_tich >= 1.5 AND NOT (so_to = 3 OR ma_dat IS NULL)`, `("dien_tich" >= 1.5) AND (NOT (("so_to" = 3) OR ("ma_dat" IS NULL)))`},
		{`ma_dat NOT LIKE 'O%'`, `"ma_dat" NOT LIKE 'O%' COLLATE "C"`},
		{`ma_dat IN ('a', 'b')`, `"ma_dat" IN ('a', 'b')`},
		{`so_to NOT BETWEEN 1 AND 2`, `"so_to" NOT BETWEEN 1 AND 2`},
		{`ma_dat BETWEEN 'a' AND 'b'`, `"ma_dat" COLLATE "C" BETWEEN 'a' AND 'b'`},
		{`ngay > DATE('2024-01-01')`, `"ngay" > DATE '2024-01-01'`},
		{`hop_le = TRUE`, `"hop_le" = TRUE`},
		{`S_INTERSECTS(geometry, BBOX(103.9, 21.3, 104, 21.4))`, `ST_Intersects("geom", ST_MakeEnvelope(103.9, 21.3, 104, 21.4, 4326))`},
		{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))`, `ST_Intersects("geom", ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))', 4326))`},
		{`S_INTERSECTS(geometry, POINT(103.91 21.32))`, `ST_Intersects("geom", ST_GeomFromText('POINT(103.91 21.32)', 4326))`},
	} {
		e, err := cql2.ParseText(c.text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cql2.ToSQL(e, "geom")
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.text, got, err, c.want)
		}
	}
}

func TestToSQLBound(t *testing.T) {
	e, err := cql2.ParseText(`ngay > '2024-01-01' AND dien_tich > 3`)
	if err != nil {
		t.Fatal(err)
	}
	bind(t, e)
	got, _ := cql2.ToSQL(e, "geom")
	if want := `("ngay" > DATE '2024-01-01') AND ("dien_tich" > 3)`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestCompareValues(t *testing.T) {
	for _, c := range []struct {
		a, b any
		want int
	}{
		{nil, nil, 0}, {nil, "a", 1}, {"a", nil, -1},
		{int64(2), 2.5, -1}, {3.0, int64(3), 0}, {"b", "a", 1}, {"Ă", "B", 1},
		{false, true, -1}, {true, "a", -1},
	} {
		if got := cql2.CompareValues(c.a, c.b); got != c.want {
			t.Errorf("CompareValues(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
