package geojson

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// Reader streams the features of GeoJSON text: any number of top-level
// FeatureCollections, Features and geometries, one after another (a plain
// file holds one; newline-delimited GeoJSON and RFC 8142 sequences hold
// many, RS characters before records are ignored). Features are numbered
// from 1 in the order they appear (feature.Feature.Row).
//
// An error from Read is a *feature.Error naming the file and the feature.
// A feature that is valid JSON but not valid GeoJSON (a bad geometry, an id
// that is an object) is reported and skipped: the next Read goes on with
// the next feature. Malformed JSON stops the stream: every later Read
// returns the same error.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	file   string
	dec    *json.Decoder
	clean  *cleanReader
	limits feature.Limits
	closer io.Closer
	opts   geometryOptions
	types  map[string]feature.FieldType // when set, values are converted to these types

	row      int64
	state    int
	sawFeat  bool              // the current top-level object had "features"
	objStart int64             // input offset of the current top-level object
	top      map[string][]byte // other members of the current top-level object
	err      error             // sticky
	stats    geometryStats
	topCRS   string

	// lastOrder lists the property names of the last feature in file
	// order, for Open's schema.
	lastOrder []string
}

const (
	stateBetween    = iota // before a top-level value
	stateInObject          // inside a top-level object, between members
	stateInFeatures        // inside a top-level "features" array
)

// NewReader returns a Reader of the GeoJSON text r; name is the file name
// used in errors. Values keep their natural types (see the package
// documentation); Layer.Features converts them to the layer's schema.
// Closing the Reader does not close r.
func NewReader(name string, r io.Reader) *Reader {
	return newReader(name, r, nil, Options{})
}

// NewReaderOptions is NewReader with options (limits, strict rings).
func NewReaderOptions(name string, r io.Reader, opts Options) *Reader {
	return newReader(name, r, nil, opts)
}

func newReader(name string, r io.Reader, schema *feature.Schema, opts Options) *Reader {
	rd := &Reader{file: name, opts: geometryOptions{strictRings: opts.StrictRings}, limits: opts.Limits.OrDefault()}
	if schema != nil {
		rd.types = make(map[string]feature.FieldType, len(schema.Fields))
		for _, f := range schema.Fields {
			rd.types[f.Name] = f.Type
		}
	}
	rd.clean = newCleanReader(r)
	rd.clean.budget = rd.limits.RecordBytes
	rd.dec = json.NewDecoder(rd.clean)
	return rd
}

// Close releases the file the Reader was reading, if it opened it.
func (r *Reader) Close() error {
	if r.err == nil {
		r.err = errors.New("geojson: reader closed")
	}
	if r.closer != nil {
		c := r.closer
		r.closer = nil
		return c.Close()
	}
	return nil
}

// CRS returns the name in the legacy "crs" member (of the text or of a
// geometry) met so far, or "".
func (r *Reader) CRS() string {
	if r.topCRS != "" {
		return r.topCRS
	}
	return r.stats.crs
}

// Read returns the next feature, or io.EOF after the last one.
func (r *Reader) Read() (*feature.Feature, error) {
	for r.err == nil {
		switch r.state {
		case stateBetween:
			tok, err := r.dec.Token()
			if err == io.EOF {
				r.err = io.EOF
				return nil, io.EOF
			} else if err != nil {
				return nil, r.syntax(err)
			}
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				r.err = r.errorf(r.row+1, "expected a GeoJSON object at byte %d", r.dec.InputOffset())
				return nil, r.err
			}
			r.state, r.sawFeat, r.top = stateInObject, false, map[string][]byte{}
			r.clean.mark()
			r.objStart = r.dec.InputOffset()
		case stateInObject:
			f, err := r.readObjectMembers()
			if f != nil || err != nil {
				return f, err
			}
		case stateInFeatures:
			if !r.dec.More() {
				if _, err := r.dec.Token(); err != nil { // ']'
					return nil, r.syntax(err)
				}
				r.state = stateInObject
				continue
			}
			var raw rawFeature
			r.row++
			if r.row > r.limits.Features {
				r.err = feature.OverLimit(r.file, r.row, r.limits.FeaturesLimit(r.row), "the layer has more than %d features", r.limits.Features)
				return nil, r.err
			}
			r.clean.mark()
			start := r.dec.InputOffset()
			if err := r.dec.Decode(&raw); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) {
					// The decoder read the whole value: the stream goes on.
					return nil, r.errorf(r.row, "%s", jsonTypeError(err))
				}
				return nil, r.syntax(err)
			}
			if n := r.dec.InputOffset() - start; n > r.limits.RecordBytes {
				return nil, feature.OverLimit(r.file, r.row, r.limits.RecordLimit(n), "the feature is %d bytes of text", n)
			}
			return r.feature(&raw)
		}
	}
	return nil, r.err
}

// readObjectMembers walks the members of a top-level object until the
// "features" array (switching to stateInFeatures) or the end of the object,
// where a Feature or geometry object becomes a feature.
func (r *Reader) readObjectMembers() (*feature.Feature, error) {
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return nil, r.syntax(err)
		}
		key, _ := tok.(string)
		if key == "features" {
			tok, err := r.dec.Token()
			if err != nil {
				return nil, r.syntax(err)
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				r.err = r.errorf(r.row+1, `"features" is not an array (byte %d)`, r.dec.InputOffset())
				return nil, r.err
			}
			r.sawFeat = true
			r.state = stateInFeatures
			return nil, nil
		}
		var raw json.RawMessage
		if err := r.dec.Decode(&raw); err != nil {
			return nil, r.syntax(err)
		}
		if key == "crs" {
			var c rawCRS
			if err := json.Unmarshal(raw, &c); err == nil && c.Properties.Name != "" {
				r.topCRS = c.Properties.Name
			}
			continue
		}
		r.top[key] = raw
	}
	if _, err := r.dec.Token(); err != nil { // '}'
		return nil, r.syntax(err)
	}
	r.state = stateBetween
	if r.sawFeat {
		return nil, nil
	}
	if n := r.dec.InputOffset() - r.objStart; n > r.limits.RecordBytes {
		r.row++
		return nil, feature.OverLimit(r.file, r.row, r.limits.RecordLimit(n), "the feature is %d bytes of text", n)
	}
	if r.row >= r.limits.Features {
		r.err = feature.OverLimit(r.file, r.row+1, r.limits.FeaturesLimit(r.row+1), "the layer has more than %d features", r.limits.Features)
		return nil, r.err
	}
	// A lone Feature, or a bare geometry.
	typ, _ := decodeTopString(r.top["type"])
	if typ == "FeatureCollection" {
		return nil, r.errorf(0, `FeatureCollection has no "features" array`)
	}
	r.row++
	if typ == "Feature" {
		raw := rawFeature{Type: typ, ID: r.top["id"], Geometry: nil, Properties: r.top["properties"]}
		if g := r.top["geometry"]; g != nil {
			if err := json.Unmarshal(g, &raw.Geometry); err != nil {
				return nil, r.errorf(r.row, "geometry: %s", jsonTypeError(err))
			}
		}
		return r.feature(&raw)
	}
	var g rawGeometry
	if err := remarshal(r.top, &g); err != nil {
		return nil, r.errorf(r.row, "%s", jsonTypeError(err))
	}
	if g.Type == "" {
		return nil, r.errorf(r.row, `object has no GeoJSON "type": this is JSON but not GeoJSON (want a FeatureCollection)`)
	}
	return r.feature(&rawFeature{Type: "Feature", Geometry: &g})
}

// jsonTypeError words a decoding error of valid JSON (a member of the
// wrong JSON type) without encoding/json's Go type names.
func jsonTypeError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("member %q is a JSON %s", te.Field, te.Value)
	}
	return err.Error()
}

// remarshal decodes the buffered members of an object into v.
func remarshal(members map[string][]byte, v any) error {
	m := make(map[string]json.RawMessage, len(members))
	for k, b := range members {
		m[k] = b
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func decodeTopString(raw []byte) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// rawFeature is a GeoJSON Feature as decoded by encoding/json.
type rawFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   *rawGeometry    `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// feature converts a decoded feature; errors are for this feature only.
func (r *Reader) feature(raw *rawFeature) (*feature.Feature, error) {
	if raw.Type != "Feature" {
		if raw.Type == "" {
			return nil, r.errorf(r.row, `not a Feature: no "type"`)
		}
		return nil, r.errorf(r.row, "not a Feature: type %q", raw.Type)
	}
	f := &feature.Feature{Row: r.row, Properties: feature.Properties{}}
	// encoding/json would turn invalid UTF-8 into U+FFFD without a word:
	// a name silently garbled is worse than an error.
	for _, part := range []struct {
		what string
		raw  []byte
	}{{"id", raw.ID}, {"properties", raw.Properties}} {
		if i := invalidUTF8(part.raw); i >= 0 {
			return nil, r.errorf(r.row, "invalid UTF-8 at byte %d of the %s (GeoJSON text must be UTF-8, RFC 8259: convert the file, e.g. with iconv -f WINDOWS-1258 -t UTF-8)", i, part.what)
		}
	}
	if len(raw.ID) > 0 {
		id, err := parseID(raw.ID)
		if err != nil {
			return nil, r.errorf(r.row, "%v", err)
		}
		f.ID = id
	}
	if raw.Geometry != nil {
		g, err := raw.Geometry.toOrb(&r.stats, r.opts, 0)
		if err != nil {
			return nil, r.errorf(r.row, "%v", err)
		}
		f.Geometry = g
	}
	r.lastOrder = r.lastOrder[:0]
	if len(raw.Properties) > 0 && string(raw.Properties) != "null" {
		var over *feature.Error
		isObject, err := members(raw.Properties, func(name string, v []byte) error {
			if n := int64(len(v)); n > r.limits.PropertyBytes {
				over = feature.OverLimit(r.file, r.row, r.limits.PropertyLimit(n), "property %q is %d bytes", name, n)
				return over
			}
			t, known := r.types[name]
			val, err := value(v, t, known)
			if err != nil {
				return fmt.Errorf("property %q: %w", name, err)
			}
			if _, dup := f.Properties[name]; !dup {
				r.lastOrder = append(r.lastOrder, name)
			}
			f.Properties[name] = val
			return nil
		})
		if !isObject {
			return nil, r.errorf(r.row, "properties must be an object or null")
		}
		if over != nil {
			return nil, over
		}
		if err != nil {
			return nil, r.errorf(r.row, "%v", err)
		}
	}
	return f, nil
}

// invalidUTF8 returns the offset of the first byte of b that is not
// valid UTF-8, or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		c, size := utf8.DecodeRune(b[i:])
		if c == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

func (r *Reader) errorf(row int64, format string, args ...any) *feature.Error {
	return feature.Errorf(r.file, row, format, args...)
}

// syntax turns a decoding error into the Reader's sticky error.
func (r *Reader) syntax(err error) error {
	row := r.row
	if r.state == stateInObject && !r.sawFeat {
		row++ // inside a lone Feature or geometry not yet counted
	}
	var se *json.SyntaxError
	var over *feature.LimitError
	switch {
	case errors.As(err, &over):
		r.err = feature.OverLimit(r.file, row, over, "the text of the feature does not end within the limit")
	case errors.As(err, &se):
		r.err = &feature.Error{File: r.file, Record: row, Reason: fmt.Sprintf("invalid JSON at byte %d", se.Offset), Err: err}
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		r.err = &feature.Error{File: r.file, Record: row, Reason: fmt.Sprintf("truncated JSON at byte %d", r.dec.InputOffset())}
	default:
		r.err = &feature.Error{File: r.file, Record: row, Reason: "read failed", Err: err}
	}
	return r.err
}

// cleanReader hides what encoding/json rejects but GeoJSON files carry: a
// UTF-8 byte order mark at the start and the RS (0x1E) characters that
// begin RFC 8142 records. Each is replaced by spaces, byte for byte, so
// offsets in errors stay true. RS cannot occur inside a JSON string
// (control characters must be escaped there), so this never changes a
// value.
//
// It also bounds the text of one value: the reader marks where each
// feature starts, and more than budget bytes handed out since the mark is
// an error before encoding/json buffers any more of it.
type cleanReader struct {
	r      *bufio.Reader
	first  bool
	spaces int   // BOM bytes still to hand out as spaces
	budget int64 // bytes allowed since the mark; 0 for no bound
	since  int64 // bytes handed out since the mark
}

// mark starts counting a new value's bytes.
func (c *cleanReader) mark() { c.since = 0 }

func newCleanReader(r io.Reader) *cleanReader {
	return &cleanReader{r: bufio.NewReaderSize(r, 4096), first: true}
}

func (c *cleanReader) Read(p []byte) (int, error) {
	if c.first {
		c.first = false
		if b, _ := c.r.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
			_, _ = c.r.Discard(3)
			c.spaces = 3
		}
	}
	if c.spaces > 0 && len(p) > 0 {
		n := min(c.spaces, len(p))
		for i := range n {
			p[i] = ' '
		}
		c.spaces -= n
		return n, nil
	}
	if c.budget > 0 {
		// Slack for what the decoder reads ahead of the mark and past
		// the value's end; the exact size is checked after decoding.
		slack := c.budget + 64<<10
		if c.since >= slack {
			return 0, &feature.LimitError{Name: "record size", Max: c.budget, Unit: "bytes", Flag: feature.FlagRecordBytes, Value: c.since}
		}
		p = p[:min(int64(len(p)), slack-c.since)]
	}
	n, err := c.r.Read(p)
	c.since += int64(n)
	for i, b := range p[:n] {
		if b == 0x1E {
			p[i] = ' '
		}
	}
	return n, err
}
