package cql2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// ParseJSON parses a cql2-json filter.
func ParseJSON(b []byte) (Expr, error) {
	if len(b) > MaxLength {
		return nil, jsonErr("", "filter longer than %d bytes", MaxLength)
	}
	// Depth is checked before decoding: encoding/json nests 10000 deep.
	depth, max := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				max = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	if max > 2*MaxDepth+8 {
		return nil, jsonErr("", "nested deeper than %d", MaxDepth)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, jsonErr("", "not JSON: %v", err)
	}
	if d.More() {
		return nil, jsonErr("", "data after the JSON value")
	}
	jp := &jsonParser{}
	e, err := jp.expr(v, "$", 0)
	if err == nil && Depth(e) > MaxDepth {
		return nil, jsonErr("", "nested deeper than %d", MaxDepth)
	}
	return e, err
}

// jsonErr is a cql2-json syntax error at a JSON path such as
// $.args[1].args[0].
func jsonErr(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	return &SyntaxError{Msg: msg}
}

type jsonParser struct{ vertices int }

func (p *jsonParser) expr(v any, path string, depth int) (Expr, error) {
	if depth > MaxDepth {
		return nil, jsonErr(path, "nested deeper than %d", MaxDepth)
	}
	if b, ok := v.(bool); ok {
		return &Bool{Value: b}, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, jsonErr(path, "expected an object with \"op\" and \"args\", found %s", jsonKind(v))
	}
	opv, ok := obj["op"].(string)
	if !ok {
		return nil, jsonErr(path, "missing \"op\"")
	}
	op := strings.ToLower(opv)
	args, ok := obj["args"].([]any)
	if !ok {
		return nil, jsonErr(path, "%q needs an \"args\" array", opv)
	}
	nargs := func(n int) error {
		if len(args) != n {
			return jsonErr(path, "%q takes %d arguments, found %d", opv, n, len(args))
		}
		return nil
	}
	at := func(i int) string { return fmt.Sprintf("%s.args[%d]", path, i) }
	switch op {
	case "and", "or":
		if len(args) < 2 {
			return nil, jsonErr(path, "%q takes at least 2 arguments, found %d", opv, len(args))
		}
		list := make([]Expr, len(args))
		for i, a := range args {
			e, err := p.expr(a, at(i), depth+1)
			if err != nil {
				return nil, err
			}
			list[i] = e
		}
		if op == "and" {
			return &And{Args: list}, nil
		}
		return &Or{Args: list}, nil
	case "not":
		if err := nargs(1); err != nil {
			return nil, err
		}
		e, err := p.expr(args[0], at(0), depth+1)
		if err != nil {
			return nil, err
		}
		return &Not{Arg: e}, nil
	case "=", "<>", "<", ">", "<=", ">=":
		if err := nargs(2); err != nil {
			return nil, err
		}
		l, err := p.operand(args[0], at(0))
		if err != nil {
			return nil, err
		}
		r, err := p.operand(args[1], at(1))
		if err != nil {
			return nil, err
		}
		for i, t := range opText {
			if t == op {
				return &Compare{Op: Op(i), Left: l, Right: r}, nil
			}
		}
	case "like":
		if err := nargs(2); err != nil {
			return nil, err
		}
		l, err := p.operand(args[0], at(0))
		if err != nil {
			return nil, err
		}
		pat, ok := args[1].(string)
		if !ok {
			return nil, jsonErr(at(1), "LIKE needs a string pattern, found %s", jsonKind(args[1]))
		}
		return &Like{Arg: l, Pattern: pat}, nil
	case "between":
		if err := nargs(3); err != nil {
			return nil, err
		}
		var ops [3]Operand
		for i := range ops {
			o, err := p.operand(args[i], at(i))
			if err != nil {
				return nil, err
			}
			ops[i] = o
		}
		return &Between{Arg: ops[0], Low: ops[1], High: ops[2]}, nil
	case "in":
		if err := nargs(2); err != nil {
			return nil, err
		}
		l, err := p.operand(args[0], at(0))
		if err != nil {
			return nil, err
		}
		items, ok := args[1].([]any)
		if !ok || len(items) == 0 {
			return nil, jsonErr(at(1), "IN needs a non-empty array of literals")
		}
		list := make([]*Literal, len(items))
		for i, it := range items {
			o, err := p.operand(it, fmt.Sprintf("%s[%d]", at(1), i))
			if err != nil {
				return nil, err
			}
			lit, ok := o.(*Literal)
			if !ok {
				return nil, jsonErr(fmt.Sprintf("%s[%d]", at(1), i), "IN takes literals, found a property")
			}
			list[i] = lit
		}
		return &In{Arg: l, List: list}, nil
	case "isnull":
		if err := nargs(1); err != nil {
			return nil, err
		}
		l, err := p.operand(args[0], at(0))
		if err != nil {
			return nil, err
		}
		return &IsNull{Arg: l}, nil
	case "s_intersects":
		if err := nargs(2); err != nil {
			return nil, err
		}
		var prop string
		var geom orb.Geometry
		for i, a := range args {
			if m, ok := a.(map[string]any); ok {
				if name, ok := m["property"].(string); ok && len(m) == 1 && name != "" {
					if prop != "" {
						return nil, jsonErr(at(i), "S_INTERSECTS compares a property with a geometry literal, not two properties")
					}
					prop = name
					continue
				}
			}
			if geom != nil {
				return nil, jsonErr(at(i), "S_INTERSECTS of two literals: one argument must be the geometry property")
			}
			g, err := p.geometry(a, at(i))
			if err != nil {
				return nil, err
			}
			geom = g
		}
		return &Intersects{Property: prop, Geometry: geom}, nil
	}
	return nil, jsonErr(path, "unsupported operator %q", opv)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return "an object"
}

func (p *jsonParser) operand(v any, path string) (Operand, error) {
	switch v := v.(type) {
	case string:
		return &Literal{Value: v}, nil
	case bool:
		return &Literal{Value: v}, nil
	case json.Number:
		n, err := parseNumber(string(v))
		if err != nil {
			return nil, jsonErr(path, "%v", err)
		}
		return &Literal{Value: n}, nil
	case map[string]any:
		if len(v) == 1 {
			if name, ok := v["property"].(string); ok && name != "" {
				return &Property{Name: name, Field: -1}, nil
			}
			if s, ok := v["date"].(string); ok {
				d, err := parseDate(s)
				if err != nil {
					return nil, jsonErr(path, "%v", err)
				}
				return &Literal{Value: d}, nil
			}
			if s, ok := v["timestamp"].(string); ok {
				t, err := parseTimestamp(s)
				if err != nil {
					return nil, jsonErr(path, "%v", err)
				}
				return &Literal{Value: t}, nil
			}
		}
	}
	return nil, jsonErr(path, "expected a property ({\"property\": name}) or a literal, found %s", jsonKind(v))
}

// geometry reads a GeoJSON geometry or {"bbox": [...]}.
func (p *jsonParser) geometry(v any, path string) (orb.Geometry, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, jsonErr(path, "expected a GeoJSON geometry or {\"bbox\": [...]}, found %s", jsonKind(v))
	}
	if bb, ok := m["bbox"]; ok && len(m) == 1 {
		arr, ok := bb.([]any)
		if !ok {
			return nil, jsonErr(path, "bbox must be an array of 4 or 6 numbers")
		}
		nums := make([]float64, len(arr))
		for i, a := range arr {
			f, err := p.num(a, path)
			if err != nil {
				return nil, err
			}
			nums[i] = f
		}
		b, err := boundOf(nums)
		if err != nil {
			return nil, jsonErr(path, "%v", err)
		}
		return b, nil
	}
	typ, _ := m["type"].(string)
	coords, ok := m["coordinates"]
	if !ok {
		return nil, jsonErr(path, "geometry needs \"type\" and \"coordinates\"")
	}
	switch typ {
	case "Point":
		return p.point(coords, path)
	case "MultiPoint":
		return p.seq(coords, path, 1, func(v any) (orb.Geometry, error) { return p.point(v, path) }, func(gs []orb.Geometry) orb.Geometry {
			mp := make(orb.MultiPoint, len(gs))
			for i, g := range gs {
				mp[i] = g.(orb.Point)
			}
			return mp
		})
	case "LineString":
		return p.line(coords, path)
	case "MultiLineString":
		return p.seq(coords, path, 1, func(v any) (orb.Geometry, error) { return p.line(v, path) }, func(gs []orb.Geometry) orb.Geometry {
			ml := make(orb.MultiLineString, len(gs))
			for i, g := range gs {
				ml[i] = g.(orb.LineString)
			}
			return ml
		})
	case "Polygon":
		return p.polygon(coords, path)
	case "MultiPolygon":
		return p.seq(coords, path, 1, func(v any) (orb.Geometry, error) { return p.polygon(v, path) }, func(gs []orb.Geometry) orb.Geometry {
			mp := make(orb.MultiPolygon, len(gs))
			for i, g := range gs {
				mp[i] = g.(orb.Polygon)
			}
			return mp
		})
	}
	return nil, jsonErr(path, "unsupported geometry type %q", typ)
}

func (p *jsonParser) num(v any, path string) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, jsonErr(path, "expected a number, found %s", jsonKind(v))
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, jsonErr(path, "bad number %s", n)
	}
	return f, nil
}

func (p *jsonParser) point(v any, path string) (orb.Point, error) {
	p.vertices++
	if p.vertices > MaxVertices {
		return orb.Point{}, jsonErr(path, "geometries with more than %d vertices", MaxVertices)
	}
	arr, ok := v.([]any)
	if !ok || len(arr) < 2 || len(arr) > 3 {
		return orb.Point{}, jsonErr(path, "a position is an array of 2 or 3 numbers")
	}
	x, err := p.num(arr[0], path)
	if err != nil {
		return orb.Point{}, err
	}
	y, err := p.num(arr[1], path)
	if err != nil {
		return orb.Point{}, err
	}
	return orb.Point{x, y}, nil
}

func (p *jsonParser) points(v any, path string) ([]orb.Point, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, jsonErr(path, "expected an array of positions, found %s", jsonKind(v))
	}
	pts := make([]orb.Point, len(arr))
	for i, a := range arr {
		pt, err := p.point(a, path)
		if err != nil {
			return nil, err
		}
		pts[i] = pt
	}
	return pts, nil
}

func (p *jsonParser) line(v any, path string) (orb.LineString, error) {
	pts, err := p.points(v, path)
	if err != nil {
		return nil, err
	}
	if len(pts) < 2 {
		return nil, jsonErr(path, "a LineString needs at least 2 positions")
	}
	return pts, nil
}

func (p *jsonParser) polygon(v any, path string) (orb.Polygon, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, jsonErr(path, "a Polygon is a non-empty array of rings")
	}
	pg := make(orb.Polygon, len(arr))
	for i, a := range arr {
		pts, err := p.points(a, path)
		if err != nil {
			return nil, err
		}
		if err := checkRing(pts); err != nil {
			return nil, jsonErr(path, "%v", err)
		}
		pg[i] = pts
	}
	return pg, nil
}

func (p *jsonParser) seq(v any, path string, min int, item func(any) (orb.Geometry, error), build func([]orb.Geometry) orb.Geometry) (orb.Geometry, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) < min {
		return nil, jsonErr(path, "expected a non-empty array, found %s", jsonKind(v))
	}
	gs := make([]orb.Geometry, len(arr))
	for i, a := range arr {
		g, err := item(a)
		if err != nil {
			return nil, err
		}
		gs[i] = g
	}
	return build(gs), nil
}
