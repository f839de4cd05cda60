package server

import (
	"time"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/search"
)

// SearchIndex returns the search index of the named feature layer of this
// version, nil when the layer has none. Like the layers, the indexes
// belong to the Tileset value: they are built when the version is loaded
// and dropped with it.
func (t *Tileset) SearchIndex(layer string) *search.Index {
	for _, x := range t.search {
		if x.Layer().Info().Name == layer {
			return x
		}
	}
	return nil
}

// buildSearch builds the search index of each layer of a version being
// loaded: the fields named by the metadata row search.MetadataKey, else
// those the heuristic chooses. A bad row is logged and the heuristic used,
// so that a typo in a field name does not take the tileset down.
func (r *Registry) buildSearch(name string, m mbtiles.Metadata, layers []*index.Layer) []*search.Index {
	if len(layers) == 0 {
		return nil
	}
	start := time.Now()
	var cfg map[string]search.Options
	if v, ok := m.Extra[search.MetadataKey]; ok {
		c, err := search.ParseConfig(v)
		if err != nil {
			r.log.Warn("server: search fields", "tileset", name, "err", err)
		}
		cfg = c
	}
	out := make([]*search.Index, 0, len(layers))
	entries, bytes := 0, 0
	for _, l := range layers {
		var x *search.Index
		if o, ok := cfg[l.Info().Name]; ok {
			var err error
			if x, err = search.BuildWith(l, o); err != nil {
				r.log.Warn("server: search fields", "tileset", name, "err", err)
			}
		}
		if x == nil {
			x = search.Build(l)
		}
		entries += x.Entries()
		bytes += x.Bytes()
		out = append(out, x)
	}
	r.log.Info("server: search index built", "tileset", name, "values", entries, "bytes", bytes, "took", time.Since(start).Round(time.Millisecond))
	return out
}
