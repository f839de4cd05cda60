package search

import (
	"encoding/json"
	"fmt"
	"unicode"

	"github.com/sonla-gis/plantile/pkg/index"
)

// FieldKind says how a field is searched.
type FieldKind uint8

// The kinds of field.
const (
	// NotSearched fields are left out of the index.
	NotSearched FieldKind = iota
	// Name fields match exactly, by whole word, by prefix and by substring.
	Name
	// Code fields match exactly or by prefix.
	Code
)

// String returns "name", "code" or "none".
func (k FieldKind) String() string {
	switch k {
	case Name:
		return "name"
	case Code:
		return "code"
	}
	return "none"
}

// Heuristic thresholds (package documentation, "Which fields").
const (
	// MinDistinctRatio is the share of distinct values among the features
	// with a value above which a string field names its features.
	MinDistinctRatio = 0.3
	// MaxValueLen bounds the average length in bytes of a searched field's
	// values: longer text is a description, not a name.
	MaxValueLen = 120
	// CodeShare is the share of values that must look like codes for a
	// field to be a code field.
	CodeShare = 0.9
)

// looksLikeCode reports whether s looks like a code: at most 40 bytes,
// tokens of letters and digits joined by single - . / or _, with at least
// one digit ("CD-001-02", "T000/12", "ONT1").
func looksLikeCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	digit, sep := false, true
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digit, sep = true, false
		case unicode.IsLetter(r):
			sep = false
		case r == '-' || r == '.' || r == '/' || r == '_':
			if sep {
				return false
			}
			sep = true
		default:
			return false
		}
	}
	return digit && !sep
}

// classifySample bounds the values Classify reads per field.
const classifySample = 4096

func hasAlnum(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// Classify chooses the searched fields of l by the heuristic: one
// FieldKind per schema field.
func Classify(l *index.Layer) []FieldKind {
	fields := l.Schema().Fields
	kinds := make([]FieldKind, len(fields))
	n := l.Len()
	for f := range fields {
		// Features with a value, from the codes (no value is boxed).
		withValue := 0
		for i := 0; i < n; i++ {
			if code, _ := l.Value(i, f); code != 0 {
				withValue++
			}
		}
		d := l.Distinct(f) - 1
		if withValue == 0 || d == 0 {
			continue
		}
		// Columns that stopped deduplicating while building are nearly
		// unique (package index): their dictionary size is the distinct
		// count. The shape of the values is judged on a sample of at most
		// classifySample values spread over the dictionary.
		distinct := d
		step := max(1, d/classifySample)
		sampled, text, codes, size := 0, 0, 0, 0
		for c := 1; c <= d; c += step {
			s, ok := l.DictValue(f, uint32(c)).(string)
			if !ok {
				distinct = -1
				break
			}
			sampled++
			size += len(s)
			if hasAlnum(s) {
				text++
			}
			if looksLikeCode(s) {
				codes++
			}
		}
		if distinct <= 0 || text*2 < sampled || size > MaxValueLen*sampled {
			continue
		}
		if float64(distinct) < MinDistinctRatio*float64(withValue) {
			continue
		}
		kinds[f] = Name
		if float64(codes) >= CodeShare*float64(sampled) {
			kinds[f] = Code
		}
	}
	return kinds
}

// MetadataKey is the MBTiles metadata row that configures the searched
// fields of a tileset's layers, overriding the heuristic layer by layer:
// a JSON object from layer name to {"names": [...], "codes": [...]}. A
// layer given with both lists empty is not searched; layers not named keep
// the heuristic.
const MetadataKey = "plantile:search"

// Options configures the fields of one layer explicitly.
type Options struct {
	Names []string `json:"names"`
	Codes []string `json:"codes"`
}

// ParseConfig reads the value of the MetadataKey row.
func ParseConfig(s string) (map[string]Options, error) {
	var m map[string]Options
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("search: metadata %s: %w", MetadataKey, err)
	}
	return m, nil
}

// kindsOf returns the field kinds given by o; an error names a field the
// layer does not have or one that is not text.
func kindsOf(l *index.Layer, o Options) ([]FieldKind, error) {
	s := l.Schema()
	kinds := make([]FieldKind, len(s.Fields))
	set := func(names []string, k FieldKind) error {
		for _, name := range names {
			f := s.Index(name)
			if f < 0 {
				return fmt.Errorf("search: layer %q has no field %q", l.Info().Name, name)
			}
			kinds[f] = k
		}
		return nil
	}
	if err := set(o.Names, Name); err != nil {
		return nil, err
	}
	if err := set(o.Codes, Code); err != nil {
		return nil, err
	}
	return kinds, nil
}
