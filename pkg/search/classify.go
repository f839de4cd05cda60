package search

import (
	"encoding/json"
	"fmt"
	"strings"
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

// fieldShape is what the heuristic knows of one field: its values are
// judged on a sample of at most classifySample values spread over the
// dictionary.
type fieldShape struct {
	withValue int // features with a value
	distinct  int // distinct values; -1 when a value is not a string
	sampled   int // values sampled
	text      int // sampled values with a letter or a digit
	codes     int // sampled values that look like codes
	size      int // bytes of the sampled values
}

func shapeOf(l *index.Layer, f int) fieldShape {
	var sh fieldShape
	// Features with a value, from the codes (no value is boxed).
	for i := range l.Len() {
		if code, _ := l.Value(i, f); code != 0 {
			sh.withValue++
		}
	}
	// Columns that stopped deduplicating while building are nearly
	// unique (package index): their dictionary size is the distinct
	// count.
	d := l.Distinct(f) - 1
	sh.distinct = d
	step := max(1, d/classifySample)
	for c := 1; c <= d; c += step {
		s, ok := l.DictString(f, uint32(c))
		if !ok {
			sh.distinct = -1
			break
		}
		sh.sampled++
		sh.size += len(s)
		if hasAlnum(s) {
			sh.text++
		}
		if looksLikeCode(s) {
			sh.codes++
		}
	}
	return sh
}

// kind is Code when CodeShare of the sampled values look like codes, else
// Name.
func (sh fieldShape) kind() FieldKind {
	if sh.sampled > 0 && float64(sh.codes) >= CodeShare*float64(sh.sampled) {
		return Code
	}
	return Name
}

// Classify chooses the searched fields of l by the heuristic: one
// FieldKind per schema field.
func Classify(l *index.Layer) []FieldKind {
	kinds := make([]FieldKind, len(l.Schema().Fields))
	for f := range kinds {
		sh := shapeOf(l, f)
		if sh.withValue == 0 || sh.distinct <= 0 || sh.text*2 < sh.sampled || sh.size > MaxValueLen*sh.sampled {
			continue
		}
		if float64(sh.distinct) < MinDistinctRatio*float64(sh.withValue) {
			continue
		}
		kinds[f] = sh.kind()
	}
	return kinds
}

// OptionsFor returns the Options searching the named fields of l, as the
// build flag --search names them: "FIELD" (a code field when CodeShare of
// its values look like codes, else a name field), "FIELD:name" or
// "FIELD:code". No field leaves the layer out of search. An error names a
// field the layer does not have, one that is not text, or a bad kind.
func OptionsFor(l *index.Layer, fields []string) (Options, error) {
	o := Options{Names: []string{}, Codes: []string{}}
	s := l.Schema()
	seen := map[string]bool{}
	for _, spec := range fields {
		name, kind, explicit := strings.Cut(spec, ":")
		f := s.Index(name)
		if f < 0 {
			return Options{}, fmt.Errorf("search: layer %q has no field %q", l.Info().Name, name)
		}
		if seen[name] {
			return Options{}, fmt.Errorf("search: layer %q: field %q named twice", l.Info().Name, name)
		}
		seen[name] = true
		sh := shapeOf(l, f)
		if sh.distinct < 0 {
			return Options{}, fmt.Errorf("search: layer %q: field %q is not text", l.Info().Name, name)
		}
		k := sh.kind()
		if explicit {
			switch kind {
			case "name":
				k = Name
			case "code":
				k = Code
			default:
				return Options{}, fmt.Errorf("search: layer %q: field %q: kind %q, want name or code", l.Info().Name, name, kind)
			}
		}
		if k == Code {
			o.Codes = append(o.Codes, name)
		} else {
			o.Names = append(o.Names, name)
		}
	}
	return o, nil
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
