package demodata_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/demodata"
)

const sonla = "../../testdata/sonla"

type collection struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Features []struct {
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

func readCollection(t *testing.T, path string) collection {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c collection
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// TestSonLaDeterministic regenerates the sample plan and compares it byte
// for byte with the committed files: the generator is the source of truth,
// and `go run ./cmd/plantile-demo sonla` must reproduce testdata/sonla.
func TestSonLaDeterministic(t *testing.T) {
	dir := t.TempDir()
	if err := demodata.SonLa(filepath.Join(sonla, "boundaries", "boundaries.geojson"), dir); err != nil {
		t.Fatal(err)
	}
	for _, layer := range demodata.SonLaLayers {
		got, err := os.ReadFile(filepath.Join(dir, layer+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(sonla, "geojson", layer+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s.geojson differs from the committed file: run `go run ./cmd/plantile-demo sonla` and review the diff", layer)
		}
	}
}

func TestSonLaContent(t *testing.T) {
	codes := map[string]string{}
	for _, l := range demodata.LandUses() {
		codes[l.Code] = l.Name
	}
	land := readCollection(t, filepath.Join(sonla, "geojson", "landuse.geojson"))
	if n := len(land.Features); n < 2000 || n > 5000 {
		t.Errorf("landuse has %d features, want a few thousand", n)
	}
	seen := map[string]int{}
	ids := map[string]bool{}
	for i, f := range land.Features {
		p := f.Properties
		code, _ := p["ma_dat"].(string)
		seen[code]++
		if name, ok := codes[code]; !ok || p["ten_dat"] != name {
			t.Fatalf("feature %d: ma_dat %q ten_dat %q", i, code, p["ten_dat"])
		}
		if p["nguon"] != demodata.Source {
			t.Fatalf("feature %d: nguon %q", i, p["nguon"])
		}
		id, _ := p["ma_o"].(string)
		if id == "" || ids[id] {
			t.Fatalf("feature %d: ma_o %q empty or repeated", i, id)
		}
		ids[id] = true
		if f.Geometry.Type != "Polygon" {
			t.Fatalf("feature %d: %s", i, f.Geometry.Type)
		}
		var rings [][][2]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
			t.Fatal(err)
		}
		ring := rings[0]
		if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
			t.Fatalf("feature %d: ring not closed", i)
		}
		var area float64
		for k := 0; k+1 < len(ring); k++ {
			area += ring[k][0]*ring[k+1][1] - ring[k+1][0]*ring[k][1]
			// TM-3 104-00 metres around Son La city, not degrees.
			if e, n := ring[k][0], ring[k][1]; e < 480000 || e > 500000 || n < 2350000 || n > 2368000 {
				t.Fatalf("feature %d: vertex %v outside Son La city", i, ring[k])
			}
		}
		area /= 2
		if area <= 0 {
			t.Fatalf("feature %d: ring not counter-clockwise", i)
		}
		if d := p["dien_tich"].(float64); d < area-0.1 || d > area+0.1 {
			t.Fatalf("feature %d: dien_tich %v, ring area %v", i, d, area)
		}
	}
	// The mix a city plan has: housing, roads, the river, services, farms.
	for _, c := range []string{"ODT", "ONT", "DGT", "SON", "TMD", "TSC", "DGD", "DYT", "DKV", "LUC", "CLN", "RSX"} {
		if seen[c] == 0 {
			t.Errorf("no %s parcels", c)
		}
	}
	if seen["ODT"] < seen["ONT"] {
		t.Errorf("more rural (%d) than urban (%d) housing in the city", seen["ONT"], seen["ODT"])
	}

	roads := readCollection(t, filepath.Join(sonla, "geojson", "roads.geojson"))
	names := map[string]bool{}
	for _, f := range roads.Features {
		names[f.Properties["ten_duong"].(string)] = true
		if f.Geometry.Type != "LineString" || f.Properties["lo_gioi"].(float64) <= 0 {
			t.Fatalf("road %v", f.Properties)
		}
	}
	for _, n := range []string{"Quốc lộ 6", "Đường Tô Hiệu", "Đường Chu Văn Thịnh"} {
		if !names[n] {
			t.Errorf("no road named %s", n)
		}
	}
	fac := readCollection(t, filepath.Join(sonla, "geojson", "facilities.geojson"))
	kinds := map[string]bool{}
	for _, f := range fac.Features {
		kinds[f.Properties["loai"].(string)] = true
		if !ids[f.Properties["ma_o"].(string)] {
			t.Errorf("facility %v names no parcel", f.Properties["ten"])
		}
	}
	for _, k := range []string{"school", "hospital", "office", "market"} {
		if !kinds[k] {
			t.Errorf("no %s facility", k)
		}
	}
}

// TestSonLaShapefiles checks that the committed shapefiles, written by GDAL
// from the GeoJSON, hold the same features.
func TestSonLaShapefiles(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogrinfo not found; install gdal-bin (make deps-test)")
		}
		t.Skip("ogrinfo not found")
	}
	count := regexp.MustCompile(`Feature Count: (\d+)`)
	for _, layer := range demodata.SonLaLayers {
		out, err := exec.Command(ogrinfo, "-ro", "-so", filepath.Join(sonla, "shp", layer+".shp"), layer).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %s: %v\n%s", layer, err, out)
		}
		m := count.FindSubmatch(out)
		if m == nil {
			t.Fatalf("ogrinfo %s: no feature count\n%s", layer, out)
		}
		n, _ := strconv.Atoi(string(m[1]))
		if want := len(readCollection(t, filepath.Join(sonla, "geojson", layer+".geojson")).Features); n != want {
			t.Errorf("%s.shp has %d features, the GeoJSON %d", layer, n, want)
		}
		if !strings.Contains(string(out), "VN-2000") || !strings.Contains(string(out), "104") {
			t.Errorf("%s.shp: CRS is not VN-2000 / TM-3 104-00:\n%s", layer, out)
		}
	}
}

func parcels(t *testing.T, count int, seed uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := demodata.Parcels(&buf, count, seed); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParcels(t *testing.T) {
	for _, c := range []struct {
		count int
		seed  uint64
	}{{1, 1}, {500, 1}, {7000, 2}} {
		a := parcels(t, c.count, c.seed)
		if b := parcels(t, c.count, c.seed); !bytes.Equal(a, b) {
			t.Errorf("count %d seed %d: two runs differ", c.count, c.seed)
		}
		sc := bufio.NewScanner(bytes.NewReader(a))
		sc.Buffer(nil, 1<<20)
		n := 0
		for sc.Scan() {
			var f struct {
				Type       string         `json:"type"`
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
				t.Fatalf("line %d: %v", n+1, err)
			}
			if f.Type != "Feature" || f.Properties["ma_dat"] == nil || f.Properties["nguon"] != demodata.Source {
				t.Fatalf("line %d: %s", n+1, sc.Bytes())
			}
			n++
		}
		if n != c.count {
			t.Errorf("count %d: got %d lines", c.count, n)
		}
	}
	if bytes.Equal(parcels(t, 100, 1), parcels(t, 100, 2)) {
		t.Error("seeds 1 and 2 give the same parcels")
	}
}
