package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/sonla-gis/plantile/pkg/tiler"
	"github.com/sonla-gis/plantile/styles"
)

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
func setDissolve(layers []tiler.Layer, dissolve, detail []string) error {
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
