package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
	"github.com/sonla-gis/plantile/styles"
)

// DefaultThin is the distance, in pixels, under which points of a point
// layer are thinned below its max zoom unless --thin says otherwise: about
// an icon's width, so facilities do not pile up at overview zooms.
const DefaultThin = 12

// paletteField returns the field the bundled land-use palette colours by
// (styles/landuse.json "field", ma_dat): the attribute the map is styled
// by, hence the one zones are made of by default.
func paletteField() string {
	b, err := fs.ReadFile(styles.FS(), "landuse.json")
	if err != nil {
		return ""
	}
	var p struct {
		Field string `json:"field"`
	}
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Field
}

// setDissolve sets the Dissolve field and DetailZoom of each layer: from
// --dissolve NAME=FIELD and --detail-zoom NAME=ZOOM, else the palette's
// field when a polygon layer has it, and the zoom where its median polygon
// covers 4x4 pixels.
func setDissolve(layers []tiler.Layer, dissolve, detail, merge, thin []string) error {
	byName := map[string]int{}
	for i, l := range layers {
		byName[l.Name] = i
	}
	fields := map[string]string{}
	for _, s := range dissolve {
		name, field, ok := strings.Cut(s, "=")
		if !ok || name == "" || field == "" {
			return fmt.Errorf("build: --dissolve %q: want NAME=FIELD or NAME=none", s)
		}
		i, ok := byName[name]
		if !ok {
			return fmt.Errorf("build: --dissolve names unknown layer %q", name)
		}
		if field != "none" && layers[i].Data.Schema().Index(field) < 0 {
			return fmt.Errorf("build: --dissolve %q: layer %s has no field %q", s, name, field)
		}
		fields[name] = field
	}
	zooms := map[string]int{}
	for _, s := range detail {
		name, zs, ok := strings.Cut(s, "=")
		z, err := strconv.Atoi(zs)
		if !ok || err != nil || z < 0 || z > 24 {
			return fmt.Errorf("build: --detail-zoom %q: want NAME=ZOOM with 0 <= ZOOM <= 24", s)
		}
		if _, ok := byName[name]; !ok {
			return fmt.Errorf("build: --detail-zoom names unknown layer %q", name)
		}
		zooms[name] = z
	}
	merges := map[string][]string{}
	for _, s := range merge {
		name, list, ok := strings.Cut(s, "=")
		if !ok || name == "" || list == "" {
			return fmt.Errorf("build: --merge-lines %q: want NAME=FIELD[,FIELD...] or NAME=none", s)
		}
		i, ok := byName[name]
		if !ok {
			return fmt.Errorf("build: --merge-lines names unknown layer %q", name)
		}
		if list == "none" {
			merges[name] = []string{}
			continue
		}
		for _, f := range strings.Split(list, ",") {
			if layers[i].Data.Schema().Index(f) < 0 {
				return fmt.Errorf("build: --merge-lines %q: layer %s has no field %q", s, name, f)
			}
			merges[name] = append(merges[name], f)
		}
	}
	for i := range layers {
		l := &layers[i]
		if fs, set := merges[l.Name]; set {
			l.MergeLines = fs
		} else {
			l.MergeLines = defaultMergeFields(l)
		}
	}
	thins := map[string]bool{}
	for _, s := range thin {
		name, spec, ok := strings.Cut(s, "=")
		px, rank, _ := strings.Cut(spec, ":")
		v, err := strconv.ParseFloat(px, 64)
		if !ok || name == "" || err != nil || v < 0 || v > 256 {
			return fmt.Errorf("build: --thin %q: want NAME=PIXELS[:RANKFIELD] with 0 <= PIXELS <= 256", s)
		}
		i, ok := byName[name]
		if !ok {
			return fmt.Errorf("build: --thin names unknown layer %q", name)
		}
		if rank != "" && layers[i].Data.Schema().Index(rank) < 0 {
			return fmt.Errorf("build: --thin %q: layer %s has no field %q", s, name, rank)
		}
		layers[i].Thin, layers[i].Rank = v, rank
		thins[name] = true
	}
	for i := range layers {
		l := &layers[i]
		if thins[l.Name] {
			continue
		}
		for k := 0; k < l.Data.Len(); k++ {
			if l.Data.Kind(k) == index.KindPoint {
				l.Thin = DefaultThin
				break
			}
		}
	}
	def := paletteField()
	for i := range layers {
		l := &layers[i]
		field, set := fields[l.Name]
		if !set && def != "" && l.Data.Schema().Index(def) >= 0 {
			field = def
		}
		if field == "" || field == "none" {
			continue
		}
		z, set := zooms[l.Name]
		if !set {
			if z = tiler.DefaultDetailZoom(l.Data); z < 0 {
				continue // no polygon to dissolve
			}
		}
		l.Dissolve, l.DetailZoom = field, z
	}
	return nil
}

// Field names that name a line (a road, a stream) and give its class, in
// the order they are looked for: the Vietnamese names of plans first.
var (
	lineNameFields  = []string{"ten_duong", "ten", "ten_tuyen", "name"}
	lineClassFields = []string{"cap_duong", "loai", "class", "highway"}
)

// defaultMergeFields returns the fields a line layer's lines are merged by
// by default: its name field and, if it has one, its class field; nil for
// a layer with no line or no name field.
func defaultMergeFields(l *tiler.Layer) []string {
	hasLine := false
	for i := 0; i < l.Data.Len() && !hasLine; i++ {
		hasLine = l.Data.Kind(i).Dimension() == 1
	}
	if !hasLine {
		return nil
	}
	s := l.Data.Schema()
	var out []string
	for _, f := range lineNameFields {
		if s.Index(f) >= 0 {
			out = append(out, f)
			break
		}
	}
	if out == nil {
		return nil
	}
	for _, f := range lineClassFields {
		if s.Index(f) >= 0 {
			out = append(out, f)
			break
		}
	}
	return out
}
