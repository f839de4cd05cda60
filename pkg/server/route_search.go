package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sonla-gis/plantile/pkg/search"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// RouteSearch finds features by name or code.
const RouteSearch = "/search"

// Limits of the search route (README, "Search").
const (
	// DefaultSearchLimit and MaxSearchLimit bound the features of one
	// answer.
	DefaultSearchLimit = 10
	MaxSearchLimit     = 100
	// MaxSearchQuery bounds q, in characters.
	MaxSearchQuery = 200
	// maxPooledBody bounds the answer buffers kept for reuse.
	maxPooledBody = 1 << 20
)

// searchHit is a hit of one layer, for merging across layers.
type searchHit struct {
	t queryTarget
	x *search.Index
	h search.Hit
}

// handleSearch answers GET /search?q=: the features whose names or codes
// match q (package search), best first, as a GeoJSON FeatureCollection.
// Each feature has its id, a null geometry and its bbox, its properties,
// and as foreign members its tileset, layer, version, label (the matched
// value), field and match (exact, folded, word, prefix or substring).
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "q", "limit", "layers", "tileset"); err != nil {
		return err
	}
	text := strings.TrimSpace(q.Get("q"))
	if text == "" {
		return errorf(KindInvalid, "q: missing or empty (the name or code to find)")
	}
	if !utf8.ValidString(text) {
		return errorf(KindInvalid, "q: not valid UTF-8")
	}
	if utf8.RuneCountInString(text) > MaxSearchQuery {
		return errorf(KindInvalid, "q: longer than %d characters", MaxSearchQuery)
	}
	lim := DefaultSearchLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxSearchLimit {
			return errorf(KindInvalid, "limit: %q is not a whole number from 1 to %d", clip(v), MaxSearchLimit)
		}
		lim = n
	}
	targets, err := s.targets(q)
	if err != nil {
		return err
	}
	var hits []searchHit
	var versions []string
	for _, t := range targets {
		v := t.ts.Name + "=" + t.ts.Version()
		if !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
		x := t.ts.SearchIndex(t.l.Info().Name)
		if x == nil {
			continue
		}
		for _, h := range x.Find(text, lim) {
			hits = append(hits, searchHit{t: t, x: x, h: h})
		}
	}
	// Each layer's hits are its best, in order; merge by rank then
	// length, layers in tileset and build order on ties.
	slices.SortStableFunc(hits, func(a, b searchHit) int {
		if a.h.Rank != b.h.Rank {
			return int(a.h.Rank) - int(b.h.Rank)
		}
		return a.h.Len - b.h.Len
	})
	hits = hits[:min(len(hits), lim)]

	// The body is built in a pooled buffer: at a few thousand answers a
	// second, fresh buffers were most of the garbage, and each collection
	// marks the whole index of a large tileset.
	bp := s.getBody()
	b := (*bp)[:0]
	defer func() {
		*bp = b
		s.putBody(bp)
	}()
	b = append(b, `{"type":"FeatureCollection","query":{"q":`...)
	b = appendJSON(b, text)
	b = append(b, `,"folded":`...)
	b = appendJSON(b, search.Fold(text))
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(lim), 10)
	b = append(b, `},"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(hits)), 10)
	b = append(b, `,"features":[`...)
	for k, sh := range hits {
		if k > 0 {
			b = append(b, ',')
		}
		l, i := sh.t.l, sh.h.Feature
		b = append(b, `{"type":"Feature","id":`...)
		b = appendJSON(b, l.FeatureID(i))
		b = append(b, `,"geometry":null`...)
		if l.Kind(i) != 0 {
			fb := l.FeatureBound(i)
			b = append(b, `,"bbox":`...)
			for k, v := range [4]float64{fb.Min[0], fb.Min[1], fb.Max[0], fb.Max[1]} {
				b = append(b, "[,"[min(k, 1)])
				b = strconv.AppendFloat(b, v, 'g', -1, 64)
			}
			b = append(b, ']')
		}
		b = append(b, `,"properties":{`...)
		fields := l.Schema().Fields
		for f := range fields {
			if f > 0 {
				b = append(b, ',')
			}
			b = geojson.AppendString(b, fields[f].Name)
			b = append(b, ':')
			_, v := l.Value(i, f)
			b = appendJSON(b, v)
		}
		b = append(b, `},"tileset":`...)
		b = appendJSON(b, sh.t.ts.Name)
		b = append(b, `,"layer":`...)
		b = appendJSON(b, l.Info().Name)
		b = append(b, `,"version":`...)
		b = appendJSON(b, sh.t.ts.Version())
		b = append(b, `,"label":`...)
		b = appendJSON(b, sh.x.Label(sh.h))
		b = append(b, `,"field":`...)
		b = appendJSON(b, fields[sh.h.Field].Name)
		b = append(b, `,"match":`...)
		b = appendJSON(b, sh.h.Rank.String())
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	w.Header().Set(VersionHeader, strings.Join(versions, ", "))
	return s.writeBody(w, r, MediaTypeGeoJSON, b)
}
