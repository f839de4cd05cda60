package ogcapi_test

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

var schema = feature.Schema{Fields: []feature.Field{
	{Name: "ma_dat", Type: feature.String},
	{Name: "dien_tich", Type: feature.Float},
	{Name: "so_to", Type: feature.Int},
	{Name: "hop_le", Type: feature.Bool},
	{Name: "ngay", Type: feature.Date},
	{Name: "extra", Type: feature.JSON},
}}

// wantParamErr checks that err is a *ParamError naming param, mapped to a
// 400 exception whose description names it too.
func wantParamErr(t *testing.T, err error, param string) {
	t.Helper()
	var pe *ogcapi.ParamError
	if !errors.As(err, &pe) || pe.Param != param {
		t.Fatalf("got %v, want a parameter error on %q", err, param)
	}
	status, ex := ogcapi.ExceptionFor(err)
	if status != http.StatusBadRequest || ex.Code != "InvalidParameterValue" || !strings.Contains(ex.Description, param) {
		t.Fatalf("exception %d %+v", status, ex)
	}
}

func TestParseLimit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		err  bool
	}{
		{"", 100, false}, {"1", 1, false}, {"250", 250, false}, {"10000", 10000, false},
		{"10001", 10000, false}, {"99999999999999999999999", 10000, false},
		{"0", 0, true}, {"-1", 0, true}, {"1.5", 0, true}, {"abc", 0, true}, {"12abc", 0, true}, {" 5", 0, true},
	} {
		got, err := ogcapi.ParseLimit(c.in, 100, 10000)
		if c.err {
			wantParamErr(t, err, "limit")
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestParseOffset(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		err  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"500", 500, false}, {"2147483647", 2147483647, false},
		{"2147483648", 0, true}, {"-5", 0, true}, {"x", 0, true},
	} {
		got, err := ogcapi.ParseOffset(c.in)
		if c.err {
			wantParamErr(t, err, "offset")
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseOffset(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func bound(x0, y0, x1, y1 float64) orb.Bound {
	return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
}

func TestParseBBox(t *testing.T) {
	crs84 := ogcapi.CRS84()
	epsg4326, err := ogcapi.LookupCRS("EPSG:4326")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in    string
		crs   ogcapi.CRS
		want  []orb.Bound
		param string // error naming this parameter
	}{
		{"", crs84, nil, ""},
		{"103.5,21,104.5,21.5", crs84, []orb.Bound{bound(103.5, 21, 104.5, 21.5)}, ""},
		{" 103.5, 21 ,104.5,21.5", crs84, []orb.Bound{bound(103.5, 21, 104.5, 21.5)}, ""},
		{"103.5,21,0,104.5,21.5,100", crs84, []orb.Bound{bound(103.5, 21, 104.5, 21.5)}, ""},
		{"21,103.5,21.5,104.5", epsg4326, []orb.Bound{bound(103.5, 21, 104.5, 21.5)}, ""},
		{"170,-10,-170,10", crs84, []orb.Bound{bound(170, -10, 180, 10), bound(-180, -10, -170, 10)}, ""},
		{"-10,170,10,-170", epsg4326, []orb.Bound{bound(170, -10, 180, 10), bound(-180, -10, -170, 10)}, ""},
		{"-180,-90,180,90", crs84, []orb.Bound{bound(-180, -90, 180, 90)}, ""},
		{"1,2,3", crs84, nil, "bbox"},
		{"1,2,3,4,5", crs84, nil, "bbox"},
		{"1,2,3,x", crs84, nil, "bbox"},
		{"1,2,3,NaN", crs84, nil, "bbox"},
		{"1,2,3,Inf", crs84, nil, "bbox"},
		{"0,10,1,5", crs84, nil, "bbox"},   // south above north
		{"0,-91,1,5", crs84, nil, "bbox"},  // latitude out of range
		{"-181,0,1,5", crs84, nil, "bbox"}, // longitude out of range
		{"103.5,21,104.5,95", crs84, nil, "bbox"},
		{"21,103.5,21.5,104.5", crs84, nil, "bbox"}, // lat,lon given as CRS84: 103.5 is no latitude
		{"0,0,2,1,1,1", crs84, nil, "bbox"},         // heights inverted
	} {
		t.Run(c.in+" "+c.crs.URI, func(t *testing.T) {
			got, err := ogcapi.ParseBBox(c.in, c.crs, nil)
			if c.param != "" {
				wantParamErr(t, err, c.param)
				return
			}
			if err != nil || !reflect.DeepEqual(got.Bounds, c.want) {
				t.Fatalf("got %v, %v; want %v", got.Bounds, err, c.want)
			}
		})
	}
}

func TestBBoxIntersects(t *testing.T) {
	bb, err := ogcapi.ParseBBox("170,-10,-170,10", ogcapi.CRS84(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		b    orb.Bound
		want bool
	}{
		{bound(175, 0, 176, 1), true}, {bound(-175, 0, -174, 1), true}, {bound(0, 0, 1, 1), false},
	} {
		if got := bb.Intersects(c.b); got != c.want {
			t.Errorf("Intersects(%v) = %v", c.b, got)
		}
	}
}

func TestParseProperties(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
		err  bool
	}{
		{"", nil, false},
		{"ma_dat", []int{0}, false},
		{"so_to, ma_dat,so_to", []int{2, 0}, false},
		{"nope", nil, true},
		{"ma_dat,", nil, true},
	} {
		got, err := ogcapi.ParseProperties(c.in, schema)
		if c.err {
			wantParamErr(t, err, "properties")
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseProperties(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParseSortBy(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []ogcapi.SortKey
		err  bool
	}{
		{"", nil, false},
		{"ma_dat", []ogcapi.SortKey{{Name: "ma_dat", Field: 0}}, false},
		{"+ma_dat,-dien_tich", []ogcapi.SortKey{{Name: "ma_dat", Field: 0}, {Name: "dien_tich", Field: 1, Desc: true}}, false},
		{" ma_dat", []ogcapi.SortKey{{Name: "ma_dat", Field: 0}}, false}, // "+" decoded as a space
		{"-id", []ogcapi.SortKey{{Name: "id", Field: ogcapi.SortID, Desc: true}}, false},
		{"nope", nil, true},
		{"-", nil, true},
		{"ma_dat,,so_to", nil, true},
		{"extra", nil, true},
		{"a,b,c,d,e,f,g,h,i", nil, true},
	} {
		got, err := ogcapi.ParseSortBy(c.in, schema)
		if c.err {
			wantParamErr(t, err, "sortby")
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseSortBy(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParsePropertyFilters(t *testing.T) {
	q := url.Values{
		"ma_dat": {"ODT", "ONT"}, "so_to": {"12"}, "dien_tich": {"1.5"}, "hop_le": {"true"},
		"limit": {"5"}, "bbox": {"1,2,3,4"}, "f": {"json"},
	}
	got, err := ogcapi.ParsePropertyFilters(q, schema)
	if err != nil {
		t.Fatal(err)
	}
	want := []ogcapi.PropertyFilter{
		{Name: "dien_tich", Field: 1, Values: []any{1.5}},
		{Name: "hop_le", Field: 3, Values: []any{true}},
		{Name: "ma_dat", Field: 0, Values: []any{"ODT", "ONT"}},
		{Name: "so_to", Field: 2, Values: []any{int64(12)}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// The filters as CQL2 keep exactly what they say.
	e := ogcapi.PropertyFiltersExpr(got)
	if s := e.String(); s != `("dien_tich" = 1.5) AND ("hop_le" = TRUE) AND ("ma_dat" IN ('ODT', 'ONT')) AND ("so_to" = 12)` {
		t.Errorf("expr %s", s)
	}
	for _, c := range []struct {
		q     url.Values
		param string
	}{
		{url.Values{"so_to": {"12abc"}}, "so_to"},
		{url.Values{"so_to": {"1.5"}}, "so_to"},
		{url.Values{"dien_tich": {"NaN"}}, "dien_tich"},
		{url.Values{"hop_le": {"yes"}}, "hop_le"},
		{url.Values{"extra": {"{}"}}, "extra"},
		{url.Values{"nope": {"1"}}, "nope"},
	} {
		_, err := ogcapi.ParsePropertyFilters(c.q, schema)
		wantParamErr(t, err, c.param)
	}
	if _, err := ogcapi.ParsePropertyFilters(url.Values{"_": {"1"}}, schema, "_"); err != nil {
		t.Errorf("reserved key refused: %v", err)
	}
	if ogcapi.PropertyFiltersExpr(nil) != nil {
		t.Error("no filters should give a nil expression")
	}
}

func TestParseFilter(t *testing.T) {
	q := cql2.Queryables{Schema: schema}
	f, err := ogcapi.ParseFilter(`ma_dat = 'ODT' AND S_INTERSECTS(geometry, BBOX(21, 103, 22, 104))`, "cql2-text",
		mustCRS(t, "EPSG:4326"), nil, q)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := cql2.Bound(f.Expr)
	if !ok || b != bound(103, 21, 104, 22) {
		t.Errorf("EPSG:4326 filter box not swapped to lon,lat: %v", b)
	}
	f, err = ogcapi.ParseFilter(`{"op":"=","args":[{"property":"so_to"},3]}`, "cql2-json", ogcapi.CRS84(), nil, q)
	if err != nil || f.Expr == nil {
		t.Fatalf("json filter: %v", err)
	}
	f, err = ogcapi.ParseFilter("", "", ogcapi.CRS84(), nil, q)
	if err != nil || f.Expr != nil {
		t.Fatalf("empty filter: %v %v", f.Expr, err)
	}
	for _, c := range []struct{ filter, lang, param string }{
		{`ma_dat = `, "", "filter"},
		{`nope = 1`, "cql2-text", "filter"},
		{`ma_dat LIKE 'x\'`, "", "filter"},
		{`{"op":"="}`, "cql2-json", "filter"},
		{`ma_dat = 'x'`, "sql", "filter-lang"},
		{``, "sql", "filter-lang"},
	} {
		_, err := ogcapi.ParseFilter(c.filter, c.lang, ogcapi.CRS84(), nil, q)
		wantParamErr(t, err, c.param)
	}
	_, err = ogcapi.ParseFilter(`nope = 1`, "", ogcapi.CRS84(), nil, q)
	if _, ex := ogcapi.ExceptionFor(err); !strings.Contains(ex.Description, `"nope"`) {
		t.Errorf("exception does not name the property: %q", ex.Description)
	}
}

func mustCRS(t *testing.T, s string) ogcapi.CRS {
	t.Helper()
	c, err := ogcapi.LookupCRS(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestExceptionFor(t *testing.T) {
	status, ex := ogcapi.ExceptionFor(&ogcapi.NotFoundError{What: "feature", ID: "QH-001"})
	if status != 404 || ex.Code != "NotFound" || !strings.Contains(ex.Description, "QH-001") {
		t.Errorf("not found: %d %+v", status, ex)
	}
	status, ex = ogcapi.ExceptionFor(errors.New("disk on fire at /var/lib/x"))
	if status != 500 || strings.Contains(ex.Description, "disk") {
		t.Errorf("internal details leaked: %d %+v", status, ex)
	}
}

func TestNegotiateFormat(t *testing.T) {
	for _, c := range []struct {
		f, accept string
		want      ogcapi.Format
		err       bool
	}{
		{"", "", ogcapi.FormatJSON, false},
		{"", "application/json", ogcapi.FormatJSON, false},
		{"", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ogcapi.FormatHTML, false},
		{"", "application/vnd.oai.openapi+json;version=3.0, application/openapi+json;version=3.0, application/json", ogcapi.FormatJSON, false},
		{"", "application/geo+json, text/html;q=0.5", ogcapi.FormatJSON, false},
		{"", "*/*", ogcapi.FormatJSON, false},
		{"html", "application/json", ogcapi.FormatHTML, false},
		{"json", "text/html", ogcapi.FormatJSON, false},
		{"xml", "", 0, true},
	} {
		got, err := ogcapi.NegotiateFormat(c.f, c.accept)
		if c.err {
			wantParamErr(t, err, "f")
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NegotiateFormat(%q, %q) = %v, %v", c.f, c.accept, got, err)
		}
	}
}

func TestSortFeatures(t *testing.T) {
	vals := [][]any{
		{"ODT", 5.0}, {"CLN", nil}, {nil, 1.0}, {"ODT", 2.0}, {"CLN", 7.0}, {"ODT", 5.0},
	}
	value := func(i, f int) any { return vals[i][f] }
	for _, c := range []struct {
		sortby string
		want   []int
	}{
		{"", []int{0, 1, 2, 3, 4, 5}},
		{"ma_dat", []int{1, 4, 0, 3, 5, 2}},
		{"-ma_dat", []int{2, 0, 3, 5, 1, 4}},
		{"ma_dat,-dien_tich", []int{1, 4, 0, 5, 3, 2}},
		{"dien_tich", []int{2, 3, 0, 5, 4, 1}},
		{"-dien_tich,-id", []int{1, 4, 5, 0, 3, 2}},
	} {
		keys, err := ogcapi.ParseSortBy(c.sortby, schema)
		if err != nil {
			t.Fatal(err)
		}
		idx := []int{0, 1, 2, 3, 4, 5}
		ogcapi.SortFeatures(idx, keys, value)
		if !reflect.DeepEqual(idx, c.want) {
			t.Errorf("sortby=%s: %v, want %v", c.sortby, idx, c.want)
		}
	}
}
