package feature

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// FieldType is the type of a property as declared by the source schema.
type FieldType int

// The property types. Values in Feature.Properties have these Go types:
// String: string; Int: int64; Float: float64; Bool: bool; Date: string in
// ISO 8601 form ("2006-01-02"); JSON: json.RawMessage (nested objects and
// arrays from GeoJSON). Any value may be nil (null).
const (
	String FieldType = iota
	Int
	Float
	Bool
	Date
	JSON
)

var fieldTypeNames = [...]string{"string", "integer", "float", "boolean", "date", "json"}

// String returns the lower-case name of the type, as shown by inspect and in
// TileJSON vector_layers.
func (t FieldType) String() string {
	if t < 0 || int(t) >= len(fieldTypeNames) {
		return fmt.Sprintf("FieldType(%d)", int(t))
	}
	return fieldTypeNames[t]
}

// MarshalText writes the type's name.
func (t FieldType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a name written by MarshalText.
func (t *FieldType) UnmarshalText(b []byte) error {
	for i, n := range fieldTypeNames {
		if n == string(b) {
			*t = FieldType(i)
			return nil
		}
	}
	return fmt.Errorf("feature: unknown field type %q", b)
}

// Field describes one property of a layer.
type Field struct {
	Name     string    `json:"name"`
	Type     FieldType `json:"type"`
	Width    int       `json:"width,omitempty"`    // declared width (dBASE), 0 if unknown
	Decimals int       `json:"decimals,omitempty"` // declared decimals (dBASE N/F)
}

// Schema is the ordered list of a layer's fields.
type Schema struct {
	Fields []Field `json:"fields"`
}

// Index returns the position of the named field, or -1.
func (s Schema) Index(name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Properties are a feature's attribute values keyed by field name. See
// FieldType for the Go type of each value.
type Properties map[string]any

// Feature is one record of a layer.
type Feature struct {
	// Row is the 1-based position of the record in its source, counting
	// skipped (deleted) records too, so that errors and ids point at the
	// same record a GIS user sees.
	Row int64
	// ID is the identifier the source gave the feature (GeoJSON "id":
	// string, int64 or float64), or nil when it gave none.
	ID any
	// Geometry is nil for a null shape.
	Geometry orb.Geometry
	// Properties hold the attribute values.
	Properties Properties
}

// IntID returns the feature's integer id: the source id when it is a
// non-negative whole number (json.Number text parsed strictly: "12abc" is
// not 12), else the row number. A layer decides its ids once for all its
// features (pkg/index IDKind), so that source ids and row numbers never
// mix; IntID only looks at one feature.
func (f *Feature) IntID() uint64 {
	switch v := f.ID.(type) {
	case int64:
		if v >= 0 {
			return uint64(v)
		}
	case float64:
		if v >= 0 && v < 1<<64 && v == math.Trunc(v) {
			return uint64(v)
		}
	case json.Number:
		if n, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return n
		}
	}
	return uint64(f.Row)
}

// Reader streams the features of one layer. Readers are not safe for
// concurrent use. Every reader follows one contract for Read:
//   - (f, nil): a feature;
//   - (f, err) with f non-nil and err a *Error: one bad record; f carries
//     its Row and attributes with a nil Geometry, and the next Read goes on
//     with the next record;
//   - (nil, err): the stream cannot go on; later calls return err again;
//   - (nil, io.EOF): the end.
type Reader interface {
	Read() (*Feature, error)
	Close() error
}

// EOF is io.EOF, re-exported so that callers of Reader need not import io
// only to compare against it.
var EOF = io.EOF
