package server

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// LegendEntry is one category of a layer's legend: a land-use code with its
// Vietnamese and English names and map colour.
type LegendEntry struct {
	Code  string `json:"code,omitempty"`
	VI    string `json:"vi"`
	EN    string `json:"en"`
	Color string `json:"color"`
}

// LayerTitle names a layer in Vietnamese and English.
type LayerTitle struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// layerStyle is what the style documents say about one tileset layer: its
// title and, for a layer drawn with the legend, the field holding the
// category and the categories.
type layerStyle struct {
	title    *LayerTitle
	field    string
	legend   map[string]LegendEntry
	fallback *LegendEntry

	// The JSON of title and of each legend entry, made once: queries
	// write them into every feature.
	titleJSON  []byte
	legendJSON map[string][]byte
}

// encode fills titleJSON and legendJSON.
func (st *layerStyle) encode() {
	if st.title != nil {
		st.titleJSON = appendJSON(nil, st.title)
	}
	st.legendJSON = make(map[string][]byte, len(st.legend))
	for code, e := range st.legend {
		st.legendJSON[code] = appendJSON(nil, e)
	}
}

// styleIndex maps tileset and layer names to what the styles say of them.
// It is read from the style documents once, on first use: they are part of
// the binary or of a directory that does not change while serving.
type styleIndex struct {
	once   sync.Once
	layers map[[2]string]*layerStyle // [tileset, layer]
}

// get returns what the styles say about layer of tileset, or nil.
func (x *styleIndex) get(styles fs.FS, tileset, layer string) *layerStyle {
	x.once.Do(func() {
		x.layers = readStyles(styles)
		for _, st := range x.layers {
			st.encode()
		}
	})
	return x.layers[[2]string{tileset, layer}]
}

// styleDoc is the part of a MapLibre style that names layers and legends.
type styleDoc struct {
	Version  *int `json:"version"`
	Metadata struct {
		Legend         []LegendEntry         `json:"plantile:legend"`
		LegendFallback *LegendEntry          `json:"plantile:legend-fallback"`
		Layers         map[string]LayerTitle `json:"plantile:layers"`
	} `json:"metadata"`
	Sources map[string]struct {
		URL string `json:"url"`
	} `json:"sources"`
	Layers []struct {
		Source      string                     `json:"source"`
		SourceLayer string                     `json:"source-layer"`
		Metadata    map[string]json.RawMessage `json:"metadata"`
		Paint       map[string]json.RawMessage `json:"paint"`
	} `json:"layers"`
}

// readStyles reads every style document at the root of styles. A source
// whose url is "/tiles/NAME.json" is the tileset NAME; a style layer whose
// metadata has "plantile:legend": true draws its source layer with the
// style's legend (metadata "plantile:legend"), keyed by the field its
// paint reads with ["get", FIELD]; "plantile:layers" titles the layers.
// Documents that are not styles, or do not parse, are skipped: styles are
// also served as they are, and a broken one must not stop queries.
func readStyles(styles fs.FS) map[[2]string]*layerStyle {
	out := map[[2]string]*layerStyle{}
	if styles == nil {
		return out
	}
	names, _ := fs.Glob(styles, "*.json")
	for _, name := range names {
		b, err := fs.ReadFile(styles, name)
		if err != nil {
			continue
		}
		var doc styleDoc
		if json.Unmarshal(b, &doc) != nil || doc.Version == nil {
			continue
		}
		tilesetOf := map[string]string{}
		for id, src := range doc.Sources {
			if ts, ok := strings.CutPrefix(src.URL, "/tiles/"); ok && path.Ext(ts) == ".json" {
				tilesetOf[id] = strings.TrimSuffix(ts, ".json")
			}
		}
		entry := func(ts, layer string) *layerStyle {
			k := [2]string{ts, layer}
			if out[k] == nil {
				out[k] = &layerStyle{}
			}
			return out[k]
		}
		for _, ly := range doc.Layers {
			ts, ok := tilesetOf[ly.Source]
			if !ok || ly.SourceLayer == "" {
				continue
			}
			if t, ok := doc.Metadata.Layers[ly.SourceLayer]; ok {
				e := entry(ts, ly.SourceLayer)
				if e.title == nil {
					e.title = &t
				}
			}
			if string(ly.Metadata["plantile:legend"]) != "true" || len(doc.Metadata.Legend) == 0 {
				continue
			}
			field := ""
			for _, p := range ly.Paint {
				if field = getField(p); field != "" {
					break
				}
			}
			if field == "" {
				continue
			}
			e := entry(ts, ly.SourceLayer)
			e.field, e.fallback = field, doc.Metadata.LegendFallback
			e.legend = make(map[string]LegendEntry, len(doc.Metadata.Legend))
			for _, c := range doc.Metadata.Legend {
				e.legend[c.Code] = c
			}
		}
	}
	return out
}

// getField returns FIELD of the first ["get", FIELD] in a style
// expression, or "".
func getField(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var walk func(v any) string
	walk = func(v any) string {
		a, ok := v.([]any)
		if !ok {
			return ""
		}
		if len(a) == 2 && a[0] == "get" {
			if s, ok := a[1].(string); ok {
				return s
			}
		}
		for _, x := range a {
			if f := walk(x); f != "" {
				return f
			}
		}
		return ""
	}
	return walk(v)
}
