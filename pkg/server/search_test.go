package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/server"
)

// searchAnswer is the decoded answer of /search.
type searchAnswer struct {
	Type           string `json:"type"`
	NumberReturned int    `json:"numberReturned"`
	Features       []struct {
		ID         any            `json:"id"`
		BBox       []float64      `json:"bbox"`
		Properties map[string]any `json:"properties"`
		Tileset    string         `json:"tileset"`
		Layer      string         `json:"layer"`
		Label      string         `json:"label"`
		Field      string         `json:"field"`
		Match      string         `json:"match"`
	} `json:"features"`
}

func (e *env) search(t *testing.T, q string, extra string) (searchAnswer, *http.Response) {
	t.Helper()
	path := "/search?q=" + url.QueryEscape(q) + extra
	res, body := e.get(t, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != server.MediaTypeGeoJSON {
		t.Errorf("Content-Type %q", ct)
	}
	var a searchAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return a, res
}

// TestSearchDemo searches the demo layers over HTTP on loopback, typed
// without diacritics, in capitals and by plot code.
func TestSearchDemo(t *testing.T) {
	e, src := newDemoEnv(t)
	tests := []struct {
		q, layer, field, label, match string
	}{
		{"to hieu", "roads", "ten_duong", "Đường Tô Hiệu", "word"},
		{"Đường Tô Hiệu", "roads", "ten_duong", "Đường Tô Hiệu", "exact"},
		{"duong to hieu", "roads", "ten_duong", "Đường Tô Hiệu", "folded"},
		{"CHIENG DEN", "facilities", "ten", "Trường THCS Chiềng Đen số 1", "word"},
		{"son la", "boundaries", "ten", "Tỉnh Sơn La", "word"},
		{"CD-001-02", "landuse", "ma_o", "CD-001-02", "exact"},
		{"cd-001-02", "landuse", "ma_o", "CD-001-02", "exact"},
	}
	for _, tt := range tests {
		a, res := e.search(t, tt.q, "")
		if a.Type != "FeatureCollection" || len(a.Features) == 0 {
			t.Errorf("q=%s: no features", tt.q)
			continue
		}
		f := a.Features[0]
		if f.Layer != tt.layer || f.Field != tt.field || f.Label != tt.label || f.Match != tt.match || f.Tileset != "sonla" {
			t.Errorf("q=%s: first is %s/%s %s=%q (%s), want %s %s=%q (%s)", tt.q, f.Tileset, f.Layer, f.Field, f.Label, f.Match, tt.layer, tt.field, tt.label, tt.match)
			continue
		}
		if h := res.Header.Get(server.VersionHeader); !strings.Contains(h, "sonla=v-demo") {
			t.Errorf("version header %q", h)
		}
		// The id, bbox and properties are those of the feature.
		l := src[f.Layer]
		id, _ := json.Marshal(f.ID)
		i, ok := l.Find(strings.Trim(string(id), `"`))
		if !ok {
			t.Errorf("q=%s: id %v not in layer %s", tt.q, f.ID, f.Layer)
			continue
		}
		b := l.FeatureBound(i)
		if len(f.BBox) != 4 || f.BBox[0] != b.Min[0] || f.BBox[1] != b.Min[1] || f.BBox[2] != b.Max[0] || f.BBox[3] != b.Max[1] {
			t.Errorf("q=%s: bbox %v, want %v", tt.q, f.BBox, b)
		}
		if f.Properties[tt.field] != tt.label {
			t.Errorf("q=%s: properties %v", tt.q, f.Properties)
		}
	}
	// A plot code matches that plot only, not CD-001-020 and the like.
	a, _ := e.search(t, "CD-001-02", "&layers=landuse")
	for _, f := range a.Features[1:] {
		if f.Match == "exact" || f.Match == "folded" {
			t.Errorf("CD-001-02 also matched %q exactly", f.Label)
		}
	}
	// Ranked best first.
	a, _ = e.search(t, "to hieu", "&limit=20")
	order := map[string]int{"exact": 0, "folded": 1, "word": 2, "prefix": 3, "substring": 4}
	for k := 1; k < len(a.Features); k++ {
		if order[a.Features[k].Match] < order[a.Features[k-1].Match] {
			t.Errorf("rank order broken at %d: %s after %s", k, a.Features[k].Match, a.Features[k-1].Match)
		}
	}
	a, _ = e.search(t, "duong", "&limit=3")
	if a.NumberReturned != 3 || len(a.Features) != 3 {
		t.Errorf("limit=3: %d features", len(a.Features))
	}
	a, _ = e.search(t, "to hieu", "&layers=boundaries")
	for _, f := range a.Features {
		if f.Layer != "boundaries" {
			t.Errorf("layers=boundaries answered %s", f.Layer)
		}
	}
}

// TestSearchSwapsWithVersion replaces the file: the search index is that
// of the new version.
func TestSearchSwapsWithVersion(t *testing.T) {
	e, _ := newDemoEnv(t)
	_, res := e.search(t, "to hieu", "")
	if h := res.Header.Get(server.VersionHeader); h != "sonla=v-demo" {
		t.Fatalf("version %q", h)
	}
	writeDemo(t, e.dir, "v-next")
	if err := e.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, res := e.search(t, "to hieu", "")
	if h := res.Header.Get(server.VersionHeader); h != "sonla=v-next" || len(a.Features) == 0 {
		t.Errorf("after reload: version %q, %d features", h, len(a.Features))
	}
}

func TestSearchBadParameters(t *testing.T) {
	e, _ := newDemoEnv(t)
	tests := []struct{ path, param string }{
		{"/search", "q"},
		{"/search?q=", "q"},
		{"/search?q=%20%20", "q"},
		{"/search?q=" + strings.Repeat("a", server.MaxSearchQuery+1), "q"},
		{"/search?q=%ff", "q"},
		{"/search?q=a&limit=0", "limit"},
		{"/search?q=a&limit=1000", "limit"},
		{"/search?q=a&layers=nope", "layers"},
		{"/search?q=a&query=b", "query"},
	}
	for _, tt := range tests {
		res, body := e.get(t, tt.path)
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s, want 400 problem", tt.path, res.StatusCode, res.Header.Get("Content-Type"))
			continue
		}
		var p server.Problem
		json.Unmarshal(body, &p)
		if !strings.HasPrefix(p.Detail, tt.param+":") {
			t.Errorf("GET %s: detail %q does not name %s", tt.path, p.Detail, tt.param)
		}
	}
	// Punctuation only folds to nothing: no match, not an error.
	if a, _ := e.search(t, "--", ""); len(a.Features) != 0 {
		t.Errorf("q=--: %d features", len(a.Features))
	}
}
