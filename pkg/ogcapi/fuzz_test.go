package ogcapi_test

import (
	"math"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/ogcapi"
)

func FuzzBBox(f *testing.F) {
	for _, s := range []string{"103.5,21,104.5,21.5", "170,-10,-170,10", "1,2,0,3,4,5", "21,103.5,21.5,104.5", "", "1,2,3", "a,b,c,d", "1e308,0,1e309,1", "-180,-90,180,90"} {
		f.Add(s, false)
	}
	f.Add("21,103.5,21.5,104.5", true)
	f.Fuzz(func(t *testing.T, s string, latLon bool) {
		c := ogcapi.CRS84()
		if latLon {
			c, _ = ogcapi.LookupCRS("EPSG:4326")
		}
		bb, err := ogcapi.ParseBBox(s, c, nil)
		if err != nil {
			if !strings.Contains(err.Error(), "bbox") {
				t.Fatalf("error does not name the parameter: %v", err)
			}
			return
		}
		if s != "" && (len(bb.Bounds) == 0 || len(bb.Bounds) > 2) {
			t.Fatalf("%q: %d boxes", s, len(bb.Bounds))
		}
		for _, b := range bb.Bounds {
			for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%q: non-finite box %v", s, b)
				}
			}
			if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
				t.Fatalf("%q: box %v not a valid CRS84 box", s, b)
			}
		}
	})
}

func FuzzSortBy(f *testing.F) {
	for _, s := range []string{"ma_dat", "+ma_dat,-dien_tich", " so_to", "-id", "", "-", ",", "a,b,c,d,e,f,g,h,i", "extra", "ma_dat,,so_to"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ogcapi.ParseSortBy(s, schema)
		if err != nil {
			if !strings.Contains(err.Error(), "sortby") {
				t.Fatalf("error does not name the parameter: %v", err)
			}
			return
		}
		if len(keys) > 8 {
			t.Fatalf("%d keys", len(keys))
		}
		for _, k := range keys {
			if k.Field == ogcapi.SortID {
				if k.Name != "id" {
					t.Fatalf("%q: id key named %q", s, k.Name)
				}
				continue
			}
			if k.Field < 0 || k.Field >= len(schema.Fields) || schema.Fields[k.Field].Name != k.Name {
				t.Fatalf("%q: key %+v not a schema field", s, k)
			}
		}
	})
}
