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
	// MaxScan bounds the keys one query reads in each of the three key
	// arrays (value starts, word starts, other positions).
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
			s, ok := l.DictString(f, uint32(c))
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

// match is an entry that matched, with its rank and the folded length of
// its value: the order of Find.
type match struct {
	entry uint32
	len   uint32
	rank  Rank
}

func (a match) less(b match) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.len != b.len {
		return a.len < b.len
	}
	return a.entry < b.entry
}

// Find returns up to limit features matching q, best first (by rank, then
// shorter value, then feature number). A q that folds to nothing matches
// nothing.
//
// The work is bounded whatever q: each sorted key array is read over the
// run of keys starting with the folded q only, at most MaxScan keys of it,
// in rank order (equal and whole words, then prefixes, then substrings),
// and a later run is not read once the better ranks hold limit features;
// the best entries are then selected (a heap of limit entries, not a sort
// of every match) and their postings read until limit features are found.
func (x *Index) Find(q string, limit int) []Hit {
	fq := []byte(Fold(q))
	if len(fq) == 0 || limit <= 0 {
		return nil
	}
	// In the arrays, suffixes equal to fq or continuing with a space (a
	// whole word) sort before those continuing with a letter or a digit:
	// folded text has no byte between ' ' and '!' (package doc).
	words := append(slices.Clip(fq), '!')
	f := finder{x: x, fq: fq, eq: exactForm(q)}
	var startsRead, wordsRead, subsRead int
	f.scan(x.starts, fq, words, &startsRead, Word)
	f.scan(x.words, fq, words, &wordsRead, Word)
	// Later runs rank Prefix or worse: they cannot come before limit
	// features ranked better (a code entry continuing with a space is a
	// Prefix already here).
	if hits := f.hits(limit); len(hits) == limit && hits[limit-1].Rank < Prefix {
		return hits
	}
	f.scan(x.starts, words, nil, &startsRead, Prefix)
	f.scan(x.words, words, nil, &wordsRead, Prefix)
	if hits := f.hits(limit); len(hits) == limit {
		return hits
	}
	f.scan(x.subs, fq, nil, &subsRead, Substring)
	return f.hits(limit)
}

// finder is the state of one Find.
type finder struct {
	x  *Index
	fq []byte
	eq string // q in exactForm, read for Exact
	ms []match
}

// scan reads the keys of ks whose suffix is at least from and starts with
// f.fq, up to the first at least to (nil: no bound), counting them in
// *read against MaxScan. A key at the start of a value is ranked by
// startRank, any other with rank.
func (f *finder) scan(ks []key, from, to []byte, read *int, rank Rank) {
	x := f.x
	i, _ := slices.BinarySearchFunc(ks, from, func(k key, t []byte) int { return bytes.Compare(x.suffix(k), t) })
	for ; i < len(ks) && *read < MaxScan; i++ {
		s := x.suffix(ks[i])
		if !bytes.HasPrefix(s, f.fq) || to != nil && bytes.Compare(s, to) >= 0 {
			return
		}
		*read++
		e := ks[i].entry
		rest := s[len(f.fq):]
		r := rank
		if ks[i].at == 0 {
			r = f.startRank(e, rest)
		}
		f.ms = append(f.ms, match{entry: e, len: x.off[e+1] - x.off[e], rank: r})
	}
}

// startRank ranks entry e, whose whole folded value is fq followed by rest.
func (f *finder) startRank(e uint32, rest []byte) Rank {
	x := f.x
	switch {
	case len(rest) == 0:
		if s, ok := x.layer.DictString(int(x.field[e]), x.code[e]); ok && exactForm(s) == f.eq {
			return Exact
		}
		return Folded
	case rest[0] == ' ' && x.kinds[x.field[e]] == Name:
		return Word
	}
	return Prefix
}

// hits returns the first limit features of the matches so far, in order.
// It selects the best limit entries and reads their postings; when
// features shared by several entries leave fewer than limit, it selects
// four times as many and reads again.
func (f *finder) hits(limit int) []Hit {
	x := f.x
	var hits []Hit
	for k := limit; ; k *= 4 {
		best := smallest(f.ms, k)
		hits = hits[:0]
	entries:
		for _, m := range best {
			for _, i := range x.post[x.postOff[m.entry]:x.postOff[m.entry+1]] {
				if slices.ContainsFunc(hits, func(h Hit) bool { return h.Feature == int(i) }) {
					continue
				}
				hits = append(hits, Hit{Feature: int(i), Field: int(x.field[m.entry]), Rank: m.rank, Len: int(m.len)})
				if len(hits) == limit {
					break entries
				}
			}
		}
		if len(hits) == limit || len(best) == len(f.ms) {
			return hits
		}
	}
}

// smallest returns the k least matches of ms in order, ms itself sorted
// when it holds at most k. Otherwise a max-heap of k matches is kept over
// ms: O(len(ms) log k), and most matches cost one comparison with the
// heap's top.
func smallest(ms []match, k int) []match {
	if len(ms) <= k {
		slices.SortFunc(ms, cmpMatch)
		return ms
	}
	h := slices.Clone(ms[:k])
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	for _, m := range ms[k:] {
		if m.less(h[0]) {
			h[0] = m
			siftDown(h, 0)
		}
	}
	slices.SortFunc(h, cmpMatch)
	return h
}

func cmpMatch(a, b match) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

// siftDown restores the max-heap h below i.
func siftDown(h []match, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c].less(h[c+1]) {
			c++
		}
		if !h[i].less(h[c]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// Label returns the value of the hit's field for its feature: what the
// search route shows.
func (x *Index) Label(h Hit) string {
	_, v := x.layer.Value(h.Feature, h.Field)
	s, _ := v.(string)
	return strings.TrimSpace(s)
}
