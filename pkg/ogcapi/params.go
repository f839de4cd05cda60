package ogcapi

import (
	"cmp"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

// Query parameter names of the items request.
const (
	ParamLimit      = "limit"
	ParamOffset     = "offset"
	ParamBBox       = "bbox"
	ParamBBoxCRS    = "bbox-crs"
	ParamCRS        = "crs"
	ParamFilter     = "filter"
	ParamFilterLang = "filter-lang"
	ParamFilterCRS  = "filter-crs"
	ParamProperties = "properties"
	ParamSortBy     = "sortby"
	ParamDatetime   = "datetime"
	ParamF          = "f"
	// ParamVersion is the version of the collection a page was answered
	// from: every page link carries it, so that paging never crosses a
	// hot swap unnoticed (the server refuses a version it no longer
	// serves). The tile URLs of TileJSON use the same name.
	ParamVersion = "v"
)

// ItemsParams returns the parameters of /collections/{id}/items that are
// not property filters; ParsePropertyFilters treats every other key as
// one.
func ItemsParams() []string {
	return []string{ParamLimit, ParamOffset, ParamBBox, ParamBBoxCRS, ParamCRS,
		ParamFilter, ParamFilterLang, ParamFilterCRS, ParamProperties, ParamSortBy, ParamDatetime, ParamF, ParamVersion}
}

// MaxOffset bounds offset so that offset+limit never overflows an int32
// index.
const MaxOffset = math.MaxInt32

// ParseLimit parses limit: empty gives def; a value above max gives max
// (OGC API - Features 1, /req/core/fc-limit-response-1: not an error);
// anything but a positive integer is an error.
func ParseLimit(value string, def, max int) (int, error) {
	if value == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(value, 10, 63)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return max, nil
		}
		return 0, paramErrorf(ParamLimit, "%q is not a positive integer", value)
	}
	if n == 0 {
		return 0, paramErrorf(ParamLimit, "must be at least 1")
	}
	if n > uint64(max) {
		return max, nil
	}
	return int(n), nil
}

// ParseOffset parses offset: empty is 0; a non-negative integer up to
// MaxOffset. Paging by offset is stable because items are ordered by
// feature index (the id order of the layer), never by hash or time.
func ParseOffset(value string) (int, error) {
	if value == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(value, 10, 63)
	if err != nil || n > MaxOffset {
		return 0, paramErrorf(ParamOffset, "%q is not an integer from 0 to %d", value, MaxOffset)
	}
	return int(n), nil
}

// BBox is a parsed bbox parameter: the box in CRS84, as one box, or two
// when it crosses the antimeridian (west of it and east of it).
type BBox struct {
	Bounds []orb.Bound
}

// Intersects reports whether b intersects any of the boxes.
func (bb BBox) Intersects(b orb.Bound) bool {
	for _, x := range bb.Bounds {
		if x.Intersects(b) {
			return true
		}
	}
	return false
}

// ParseBBox parses bbox, given in c (the bbox-crs; CRS84 by default):
// four numbers (min x, min y, max x, max y in c's axis order, so minimum
// latitude first for EPSG:4326) or six (with min and max height, which
// are dropped). In a geographic CRS latitudes must lie in [-90, 90] and
// longitudes in [-180, 180], and a box whose west edge is east of its east
// edge crosses the antimeridian (OGC API - Features 1, 7.15.3); in a
// projected CRS the box must be ordered and t (NewTransformer(c)) brings
// it into CRS84. t may be nil for CRS84 and EPSG:4326. Empty gives a zero
// BBox (no Bounds) and no error.
func ParseBBox(value string, c CRS, t *Transformer) (BBox, error) {
	if value == "" {
		return BBox{}, nil
	}
	parts := strings.Split(value, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return BBox{}, paramErrorf(ParamBBox, "want 4 or 6 comma-separated numbers, found %d", len(parts))
	}
	n := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return BBox{}, paramErrorf(ParamBBox, "%q is not a number", p)
		}
		n[i] = v
	}
	if len(n) == 6 {
		if n[2] > n[5] {
			return BBox{}, paramErrorf(ParamBBox, "minimum height %g above maximum %g", n[2], n[5])
		}
		n = []float64{n[0], n[1], n[3], n[4]}
	}
	geographic := c.IsCRS84() || c.EPSG == 4326
	if !geographic {
		if n[0] > n[2] || n[1] > n[3] {
			return BBox{}, paramErrorf(ParamBBox, "minimum above maximum (%g,%g %g,%g)", n[0], n[1], n[2], n[3])
		}
		if t == nil {
			return BBox{}, paramErrorf(ParamBBoxCRS, "no transformer for %s", c.URI)
		}
		b, err := t.InverseBound(orb.Bound{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}})
		if err != nil {
			return BBox{}, &ParamError{Param: ParamBBox, Reason: "cannot transform to CRS84", Err: err}
		}
		return BBox{Bounds: []orb.Bound{b}}, nil
	}
	if c.LatLon {
		n[0], n[1], n[2], n[3] = n[1], n[0], n[3], n[2]
	}
	west, south, east, north := n[0], n[1], n[2], n[3]
	if south < -90 || north > 90 || south > north {
		return BBox{}, paramErrorf(ParamBBox, "latitudes must satisfy -90 <= south <= north <= 90 (south %g, north %g)", south, north)
	}
	if west < -180 || west > 180 || east < -180 || east > 180 {
		return BBox{}, paramErrorf(ParamBBox, "longitudes must lie in [-180, 180] (west %g, east %g)", west, east)
	}
	if west > east {
		return BBox{Bounds: []orb.Bound{
			{Min: orb.Point{west, south}, Max: orb.Point{180, north}},
			{Min: orb.Point{-180, south}, Max: orb.Point{east, north}},
		}}, nil
	}
	return BBox{Bounds: []orb.Bound{{Min: orb.Point{west, south}, Max: orb.Point{east, north}}}}, nil
}

// ParseProperties parses properties=a,b: the schema indexes of the named
// fields, in the order given, without duplicates. Empty gives nil: every
// property. An unknown name is an error naming it.
func ParseProperties(value string, s feature.Schema) ([]int, error) {
	if value == "" {
		return nil, nil
	}
	var out []int
	seen := map[int]bool{}
	for _, name := range strings.Split(value, ",") {
		name = strings.TrimSpace(name)
		i := s.Index(name)
		if i < 0 {
			return nil, paramErrorf(ParamProperties, "unknown property %q", name)
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out, nil
}

// SortID is the SortKey.Field of "id": the feature index order, which is
// also the default.
const SortID = -1

// SortKey is one key of sortby.
type SortKey struct {
	Name  string
	Field int // schema index, or SortID
	Desc  bool
}

// ParseSortBy parses sortby=+a,-b,c (OGC API - Features Part 8 / the
// Records sortby): "+" or nothing ascending, "-" descending. A "+" that
// the URL decoding turned into a space is accepted. "id" sorts by the
// feature order unless the schema has a field of that name. Unknown names
// are errors naming them; at most 8 keys.
func ParseSortBy(value string, s feature.Schema) ([]SortKey, error) {
	if value == "" {
		return nil, nil
	}
	names := strings.Split(value, ",")
	if len(names) > 8 {
		return nil, paramErrorf(ParamSortBy, "at most 8 keys, found %d", len(names))
	}
	var out []SortKey
	for _, n := range names {
		k := SortKey{}
		n = strings.TrimRight(n, " ")
		switch {
		case strings.HasPrefix(n, "-"):
			k.Desc, n = true, n[1:]
		case strings.HasPrefix(n, "+"), strings.HasPrefix(n, " "):
			n = n[1:]
		}
		if n == "" {
			return nil, paramErrorf(ParamSortBy, "empty key in %q", value)
		}
		k.Name = n
		k.Field = s.Index(n)
		if k.Field < 0 {
			if n != "id" {
				return nil, paramErrorf(ParamSortBy, "unknown property %q", n)
			}
			k.Field = SortID
		}
		if s.Index(n) >= 0 && s.Fields[k.Field].Type == feature.JSON {
			return nil, paramErrorf(ParamSortBy, "cannot sort by the JSON property %q", n)
		}
		out = append(out, k)
	}
	return out, nil
}

// PropertyFilter is an equality filter from a query key naming a
// property (?ma_dat=ODT): the property equals one of Values (several when
// the key is repeated), typed by the schema.
type PropertyFilter struct {
	Name   string
	Field  int
	Values []any // string, int64, float64 or bool
}

// ParsePropertyFilters reads the query keys that are not items
// parameters (ItemsParams(), plus extra reserved keys the caller names) as
// property filters. A key that is neither a parameter nor a property is an
// error (OGC API - Features 1, /req/core/query-param-unknown), as is a
// value that does not parse as the property's type: "12abc" is not 12.
// Filters come sorted by name, so the result does not depend on map
// order.
func ParsePropertyFilters(q url.Values, s feature.Schema, reserved ...string) ([]PropertyFilter, error) {
	skip := map[string]bool{}
	for _, p := range ItemsParams() {
		skip[p] = true
	}
	for _, p := range reserved {
		skip[p] = true
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if !skip[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []PropertyFilter
	for _, k := range keys {
		i := s.Index(k)
		if i < 0 {
			return nil, paramErrorf(k, "unknown parameter (not a query parameter nor a property of the collection)")
		}
		f := PropertyFilter{Name: k, Field: i}
		for _, raw := range q[k] {
			v, err := typedValue(s.Fields[i].Type, raw)
			if err != nil {
				return nil, &ParamError{Param: k, Reason: err.Error()}
			}
			f.Values = append(f.Values, v)
		}
		out = append(out, f)
	}
	return out, nil
}

// typedValue parses a query value as a property of type t.
func typedValue(t feature.FieldType, raw string) (any, error) {
	switch t {
	case feature.String, feature.Date:
		return raw, nil
	case feature.Int:
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, errorf("%q is not an integer", raw)
		}
		return v, nil
	case feature.Float:
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errorf("%q is not a number", raw)
		}
		return v, nil
	case feature.Bool:
		switch raw {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, errorf("%q is not true or false", raw)
	}
	return nil, errorf("a %s property cannot be filtered on", t)
}

// PropertyFiltersExpr returns the filters as one CQL2 expression (their AND, each an IN
// or =), bound to s, so that the server evaluates property filters and
// filter= the same way; nil when there are none.
func PropertyFiltersExpr(fs []PropertyFilter) cql2.Expr {
	var args []cql2.Expr
	for _, f := range fs {
		p := &cql2.Property{Name: f.Name, Field: f.Field}
		if len(f.Values) == 1 {
			args = append(args, &cql2.Compare{Op: cql2.Eq, Left: p, Right: &cql2.Literal{Value: f.Values[0]}})
			continue
		}
		in := &cql2.In{Arg: p}
		for _, v := range f.Values {
			in.List = append(in.List, &cql2.Literal{Value: v})
		}
		args = append(args, in)
	}
	switch len(args) {
	case 0:
		return nil
	case 1:
		return args[0]
	}
	return &cql2.And{Args: args}
}

// Filter is a parsed filter parameter: the CQL2 expression, bound to the
// queryables and with geometries in CRS84.
type Filter struct {
	Expr cql2.Expr
}

// ParseFilter parses filter with filter-lang (cql2-text by default) and
// filter-crs: it parses, binds the properties to q (unknown ones are
// errors naming them), and transforms the geometry literals from
// filter-crs to CRS84 with t (nil for CRS84; EPSG:4326 literals are
// swapped to longitude, latitude). Empty gives a nil Expr.
func ParseFilter(value, lang string, c CRS, t *Transformer, q cql2.Queryables) (Filter, error) {
	if value == "" {
		if lang != "" && lang != FilterLangText && lang != FilterLangJSON {
			return Filter{}, paramErrorf(ParamFilterLang, "unsupported %q (cql2-text or cql2-json)", lang)
		}
		return Filter{}, nil
	}
	var e cql2.Expr
	var err error
	switch lang {
	case "", FilterLangText:
		e, err = cql2.ParseText(value)
	case FilterLangJSON:
		e, err = cql2.ParseJSON([]byte(value))
	default:
		return Filter{}, paramErrorf(ParamFilterLang, "unsupported %q (cql2-text or cql2-json)", lang)
	}
	if err != nil {
		return Filter{}, &ParamError{Param: ParamFilter, Reason: "syntax", Err: err}
	}
	if err := cql2.Bind(e, q); err != nil {
		return Filter{}, &ParamError{Param: ParamFilter, Reason: "property", Err: err}
	}
	if !c.IsCRS84() {
		if t == nil {
			if t, err = NewTransformer(c); err != nil {
				return Filter{}, &ParamError{Param: ParamFilterCRS, Reason: "unsupported", Err: err}
			}
		}
		err = cql2.MapGeometries(e, func(g orb.Geometry) (orb.Geometry, error) {
			if b, ok := g.(orb.Bound); ok {
				if c.LatLon {
					return orb.Bound{Min: orb.Point{b.Min[1], b.Min[0]}, Max: orb.Point{b.Max[1], b.Max[0]}}, nil
				}
				// A box in a projected CRS is curved in CRS84: keep its
				// shape as a densified polygon, so the test stays exact.
				return t.InverseRing(b)
			}
			return t.Inverse(g)
		})
		if err != nil {
			return Filter{}, &ParamError{Param: ParamFilter, Reason: "cannot transform its geometries from " + c.URI, Err: err}
		}
	}
	// Compile once here so that a bad LIKE pattern is a 400, not a 500
	// when the server compiles.
	if _, err := cql2.Compile(e, nil); err != nil {
		return Filter{}, &ParamError{Param: ParamFilter, Reason: "invalid", Err: err}
	}
	return Filter{Expr: e}, nil
}

// SortFeatures orders idx, feature indexes in the layer's stable order,
// by keys: values compare as cql2.CompareValues does (ascending puts
// nulls last and descending first, as PostgreSQL does by default), and
// ties keep the layer order, so that offset paging over a sorted result
// is stable too. A SortID key compares the feature indexes themselves.
// value returns the value of field f of feature i.
func SortFeatures(idx []int, keys []SortKey, value func(i, f int) any) {
	if len(keys) == 0 {
		return
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		for _, k := range keys {
			var c int
			if k.Field == SortID {
				c = cmp.Compare(a, b)
			} else {
				c = cql2.CompareValues(value(a, k.Field), value(b, k.Field))
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a, b)
	})
}
