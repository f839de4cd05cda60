package tiler_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

var roadSchema = feature.Schema{Fields: []feature.Field{
	{Name: "ten_duong", Type: feature.String},
	{Name: "cap_duong", Type: feature.String},
}}

// TestMergeLines: a road surveyed in segments is one feature below the max
// zoom, its segments chained into one line where they meet end to end
// (whatever their direction), while another road and a class change stay
// apart; at the max zoom every segment keeps its own id.
func TestMergeLines(t *testing.T) {
	var fs []*feature.Feature
	add := func(name, class string, pts ...orb.Point) {
		fs = append(fs, &feature.Feature{Row: int64(len(fs) + 1), Geometry: orb.LineString(pts),
			Properties: feature.Properties{"ten_duong": name, "cap_duong": class}})
	}
	p := func(i float64) orb.Point { return orb.Point{103.90 + i*0.002, 21.32 + i*0.0005} }
	// Đường Tô Hiệu in four segments, the third walked backwards.
	add("Đường Tô Hiệu", "chinh", p(0), p(1))
	add("Đường Tô Hiệu", "chinh", p(1), p(2))
	add("Đường Tô Hiệu", "chinh", p(3), p(2))
	add("Đường Tô Hiệu", "chinh", p(3), p(4))
	// Another road crossing, and the same name in another class.
	add("Đường Chu Văn Thịnh", "khu_vuc", orb.Point{103.904, 21.31}, orb.Point{103.904, 21.33})
	add("Đường Tô Hiệu", "noi_bo", p(4), p(5))
	l, err := index.Build(feature.LayerInfo{Name: "roads", Schema: roadSchema}, &sliceReader{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := tiler.New([]tiler.Layer{{Name: "roads", Data: l, MinZoom: 14, MaxZoom: 16, MergeLines: []string{"ten_duong", "cap_duong"}}}, tiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiles, _ := runAll(t, tl)
	seen := map[int]bool{}
	for k, bt := range tiles {
		for _, ly := range bt.layers {
			for _, f := range ly.Features {
				name, _ := f.Properties["ten_duong"].(string)
				class, _ := f.Properties["cap_duong"].(string)
				if k[0] == 16 {
					if f.ID == nil {
						t.Errorf("%v: a segment at the max zoom has no id", k)
					}
					continue
				}
				seen[k[0]] = true
				if f.ID != nil {
					t.Errorf("%v: merged road %s carries id %v", k, name, f.ID)
				}
				if name == "Đường Tô Hiệu" && class == "chinh" {
					var parts int
					switch g := f.Geometry.(type) {
					case orb.LineString:
						parts = 1
					case orb.MultiLineString:
						parts = len(g)
					}
					if parts != 1 {
						t.Errorf("%v: Tô Hiệu (chinh) drawn in %d lines, want one", k, parts)
					}
				}
			}
		}
		if k[0] < 16 {
			count := map[string]int{}
			for _, ly := range bt.layers {
				for _, f := range ly.Features {
					count[f.Properties["ten_duong"].(string)+"/"+f.Properties["cap_duong"].(string)]++
				}
			}
			for key, n := range count {
				if n != 1 {
					t.Errorf("%v: %s is %d features, want one", k, key, n)
				}
			}
		}
	}
	if !seen[14] {
		t.Fatal("no merged tile at z14")
	}
}
