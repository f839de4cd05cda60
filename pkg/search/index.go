package search

import (
	"bytes"
	"slices"
	"strings"

	"github.com/sonla-gis/plantile/pkg/index"
)

// Limits of an Index (README, "Search").
const (
	// MaxSubstringBytes bounds the folded name text of one layer whose
	// every position is indexed for substring matches; beyond it only
	// word starts are (6 bytes of keys per position).
	MaxSubstringBytes = 8 << 20
	// MaxScan bounds the keys read per rank by one query.
	MaxScan = 4096
)

// Rank orders the ways a value can match, best first.
type Rank uint8

// The ranks.
const (
	Exact     Rank = iota // equal with diacritics, case aside
	Folded                // equal after folding
	Word                  // whole words of the value
	Prefix                // the value or one of its words starts with the query
	Substring             // anywhere in the value
)

// String names the rank as the search route reports it.
func (r Rank) String() string {
	return [...]string{"exact", "folded", "word", "prefix", "substring"}[r]
}

// Hit is one matching feature of the layer.
type Hit struct {
	Feature int  // feature number in the layer
	Field   int  // schema field that matched
	Rank    Rank // how it matched
	Len     int  // folded length of the matched value, to order within a rank
}

// key is a position in the folded value of an entry: the suffix from at is
// what the sorted arrays order.
type key struct {
	entry uint32
	at    uint32
}

// Index is the search index of one layer version. It is immutable and
// safe for concurrent use.
type Index struct {
	layer *index.Layer
	kinds []FieldKind

	// Entries: one per distinct dictionary value of a searched field.
	text  []byte   // folded values, concatenated
	off   []uint32 // len entries+1: entry e is text[off[e]:off[e+1]]
	field []uint16
	code  []uint32
	// Postings: the features of entry e are post[postOff[e]:postOff[e+1]].
	postOff []uint32
	post    []uint32

	starts []key // every entry at 0
	words  []key // word starts after 0 (name fields)
	subs   []key // other character starts (name fields, within MaxSubstringBytes)
}

// Build indexes the fields of l chosen by Classify.
func Build(l *index.Layer) *Index {
	return build(l, Classify(l))
}

// BuildWith indexes the fields named by o; an error names a field the
// layer does not have.
func BuildWith(l *index.Layer, o Options) (*Index, error) {
	kinds, err := kindsOf(l, o)
	if err != nil {
		return nil, err
	}
	return build(l, kinds), nil
}

func build(l *index.Layer, kinds []FieldKind) *Index {
	x := &Index{layer: l, kinds: kinds, off: []uint32{0}}
	entryOf := make([][]int32, len(kinds))
	for f, k := range kinds {
		if k == NotSearched {
			continue
		}
		d := l.Distinct(f)
		entryOf[f] = make([]int32, d)
		for c := 1; c < d; c++ {
			entryOf[f][c] = -1
			s, ok := l.DictValue(f, uint32(c)).(string)
			if !ok {
				continue
			}
			n := len(x.text)
			x.text = appendFold(x.text, s)
			if len(x.text) == n {
				continue
			}
			entryOf[f][c] = int32(len(x.field))
			x.off = append(x.off, uint32(len(x.text)))
			x.field = append(x.field, uint16(f))
			x.code = append(x.code, uint32(c))
		}
	}
	ne := len(x.field)
	// Postings in two passes: count, then place (features in order).
	x.postOff = make([]uint32, ne+1)
	n := l.Len()
	for f := range kinds {
		if entryOf[f] == nil {
			continue
		}
		for i := 0; i < n; i++ {
			c, _ := l.Value(i, f)
			if e := entryOf[f][c]; c != 0 && e >= 0 {
				x.postOff[e+1]++
			}
		}
	}
	for e := 1; e <= ne; e++ {
		x.postOff[e] += x.postOff[e-1]
	}
	x.post = make([]uint32, x.postOff[ne])
	fill := slices.Clone(x.postOff[:ne])
	for f := range kinds {
		if entryOf[f] == nil {
			continue
		}
		for i := 0; i < n; i++ {
			c, _ := l.Value(i, f)
			if e := entryOf[f][c]; c != 0 && e >= 0 {
				x.post[fill[e]] = uint32(i)
				fill[e]++
			}
		}
	}
	// Keys.
	x.starts = make([]key, 0, ne)
	subBudget := MaxSubstringBytes
	for e := 0; e < ne; e++ {
		x.starts = append(x.starts, key{entry: uint32(e)})
		if kinds[x.field[e]] != Name {
			continue
		}
		v := x.value(e)
		subs := subBudget >= len(v)
		if subs {
			subBudget -= len(v)
		}
		for at, r := range v {
			if at == 0 || r == ' ' {
				continue
			}
			switch {
			case v[at-1] == ' ':
				x.words = append(x.words, key{uint32(e), uint32(at)})
			case subs:
				x.subs = append(x.subs, key{uint32(e), uint32(at)})
			}
		}
	}
	for _, ks := range [][]key{x.starts, x.words, x.subs} {
		slices.SortFunc(ks, func(a, b key) int { return bytes.Compare(x.suffix(a), x.suffix(b)) })
	}
	return x
}

func (x *Index) value(e int) string {
	return string(x.text[x.off[e]:x.off[e+1]])
}

func (x *Index) suffix(k key) []byte {
	return x.text[x.off[k.entry]+k.at : x.off[k.entry+1]]
}

// Layer returns the layer the index was built from.
func (x *Index) Layer() *index.Layer { return x.layer }

// Kinds returns how each schema field of the layer is searched.
func (x *Index) Kinds() []FieldKind { return x.kinds }

// Entries returns the number of distinct values indexed.
func (x *Index) Entries() int { return len(x.field) }

// Bytes returns the memory the index holds, by the capacities of its
// slices (the layer is not counted).
func (x *Index) Bytes() int {
	return cap(x.text) + (cap(x.off)+cap(x.code)+cap(x.postOff)+cap(x.post))*4 + cap(x.field)*2 +
		(cap(x.starts)+cap(x.words)+cap(x.subs))*8 + cap(x.kinds)
}

// match is an entry that matched, with its rank.
type match struct {
	entry uint32
	rank  Rank
}

// Find returns up to limit features matching q, best first (by rank, then
// shorter value, then feature number). A q that folds to nothing matches
// nothing.
func (x *Index) Find(q string, limit int) []Hit {
	fq := []byte(Fold(q))
	if len(fq) == 0 || limit <= 0 {
		return nil
	}
	eq := exactForm(q)
	var ms []match
	scan := func(ks []key, fn func(k key, rest []byte) (Rank, bool)) {
		i, _ := slices.BinarySearchFunc(ks, fq, func(k key, t []byte) int { return bytes.Compare(x.suffix(k), t) })
		for n := 0; i < len(ks) && n < MaxScan; i, n = i+1, n+1 {
			s := x.suffix(ks[i])
			if !bytes.HasPrefix(s, fq) {
				break
			}
			if r, ok := fn(ks[i], s[len(fq):]); ok {
				ms = append(ms, match{ks[i].entry, r})
			}
		}
	}
	wordEnd := func(rest []byte) bool { return len(rest) == 0 || rest[0] == ' ' }
	scan(x.starts, func(k key, rest []byte) (Rank, bool) {
		e := k.entry
		if len(rest) == 0 {
			if s, ok := x.layer.DictValue(int(x.field[e]), x.code[e]).(string); ok && exactForm(s) == eq {
				return Exact, true
			}
			return Folded, true
		}
		if x.kinds[x.field[e]] == Name && wordEnd(rest) {
			return Word, true
		}
		return Prefix, true
	})
	scan(x.words, func(k key, rest []byte) (Rank, bool) {
		if wordEnd(rest) {
			return Word, true
		}
		return Prefix, true
	})
	scan(x.subs, func(key, []byte) (Rank, bool) { return Substring, true })
	slices.SortFunc(ms, func(a, b match) int {
		if a.rank != b.rank {
			return int(a.rank) - int(b.rank)
		}
		la, lb := x.off[a.entry+1]-x.off[a.entry], x.off[b.entry+1]-x.off[b.entry]
		if la != lb {
			return int(la) - int(lb)
		}
		return int(a.entry) - int(b.entry)
	})
	var hits []Hit
	seen := map[uint32]bool{}
	for _, m := range ms {
		for _, i := range x.post[x.postOff[m.entry]:x.postOff[m.entry+1]] {
			if seen[i] {
				continue
			}
			seen[i] = true
			hits = append(hits, Hit{Feature: int(i), Field: int(x.field[m.entry]), Rank: m.rank, Len: int(x.off[m.entry+1] - x.off[m.entry])})
			if len(hits) == limit {
				return hits
			}
		}
	}
	return hits
}

// Label returns the value of the hit's field for its feature: what the
// search route shows.
func (x *Index) Label(h Hit) string {
	_, v := x.layer.Value(h.Feature, h.Field)
	s, _ := v.(string)
	return strings.TrimSpace(s)
}
