package geojson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// kindOf returns the natural field type of a raw JSON value, and false for
// null.
func kindOf(raw []byte) (feature.FieldType, bool) {
	switch raw[0] {
	case 'n':
		return 0, false
	case '"':
		return feature.String, true
	case 't', 'f':
		return feature.Bool, true
	case '{', '[':
		return feature.JSON, true
	}
	if bytes.ContainsAny(raw, ".eE") {
		return feature.Float, true
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
		return feature.Float, true // an integer too large for int64
	}
	return feature.Int, true
}

// widen returns the type of a field that has held values of types a and b.
func widen(a, b feature.FieldType) feature.FieldType {
	switch {
	case a == b:
		return a
	case a == feature.JSON || b == feature.JSON:
		return feature.JSON
	case (a == feature.Int || a == feature.Float) && (b == feature.Int || b == feature.Float):
		return feature.Float
	}
	return feature.String
}

// value converts a raw JSON value to the Go type of field type t (see the
// package documentation); when known is false the value keeps its
// natural type.
func value(raw []byte, t feature.FieldType, known bool) (any, error) {
	kind, ok := kindOf(raw)
	if !ok {
		return nil, nil
	}
	if !known {
		t = kind
	}
	switch t {
	case feature.JSON:
		return json.RawMessage(bytes.Clone(raw)), nil
	case feature.String:
		if kind == feature.String {
			return decodeString(raw)
		}
		return string(raw), nil // the number, true or false as written
	case feature.Bool:
		return raw[0] == 't', nil
	case feature.Int:
		if kind == feature.Int {
			return strconv.ParseInt(string(raw), 10, 64)
		}
	case feature.Float:
		if kind == feature.Int || kind == feature.Float {
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil || math.IsInf(f, 0) {
				return nil, fmt.Errorf("number %s is out of range", raw)
			}
			return f, nil
		}
	}
	// The schema came from another pass over different content.
	return nil, fmt.Errorf("value %.40s does not fit the %s field", raw, t)
}

// parseID converts a feature's "id": a string or a number.
func parseID(raw []byte) (any, error) {
	kind, ok := kindOf(raw)
	if !ok {
		return nil, nil
	}
	switch kind {
	case feature.String, feature.Int, feature.Float:
		return value(raw, kind, true)
	}
	return nil, fmt.Errorf("id must be a string or a number, not %.40s", raw)
}
