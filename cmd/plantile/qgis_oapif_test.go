package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// qgisOAPIFReport is what testdata/qgis_oapif.py prints.
type qgisOAPIFReport struct {
	Valid  bool     `json:"valid"`
	URI    string   `json:"uri"`
	Fields []string `json:"fields"`
	Count  int      `json:"count"`
	CRS    string   `json:"crs"`
}

// TestQGISReadsOGCFeatures follows the README's QGIS how-to for OGC API -
// Features with QGIS itself (headless): `plantile build` makes the demo,
// `plantile serve` serves it, and QGIS's OAPIF provider opens
// http://HOST/ogc, collection sonla.landuse. QGIS must get every parcel
// (2846, in pages of at most the maximum limit, 300 here, that it reads
// from the OpenAPI document, following next links), each with every attribute equal to the
// source's and its first vertex within 1e-7 degrees.
func TestQGISReadsOGCFeatures(t *testing.T) {
	const python = "/usr/bin/python3" // Debian's, where python3-qgis lives
	if _, err := os.Stat("/usr/lib/python3/dist-packages/qgis"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-qgis is required in CI: make deps-test installs it")
		}
		t.Skip("python3-qgis not installed (apt-get install qgis python3-qgis)")
	}
	dir := t.TempDir()
	srcs, _ := filepath.Glob(testdata("sonla", "shp", "*.shp"))
	args := append([]string{"build"}, srcs...)
	args = append(args, testdata("sonla", "boundaries", "boundaries.geojson"), "-o", filepath.Join(dir, "sonla.mbtiles"), "-q")
	if out, err := run(t, args...); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	rd, err := mbtiles.Open(filepath.Join(dir, "sonla.mbtiles"))
	if err != nil {
		t.Fatal(err)
	}
	layers, err := rd.Features(context.Background())
	rd.Close()
	if err != nil {
		t.Fatal(err)
	}
	var src *index.Layer
	for _, l := range layers {
		if l.Info().Name == "landuse" {
			src = l
		}
	}
	if src == nil {
		t.Fatal("the build stored no landuse features")
	}

	root := newRootCmd()
	var out, errOut syncBuffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	// A maximum page of 300 makes QGIS read land use in 10 pages.
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--tiles", dir, "--ogc-max-limit", "300"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	addr := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(15 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve printed no URL:\n%s\n%s", out.String(), errOut.String())
		}
	}

	dump := filepath.Join(dir, "qgis_features.json")
	var qerr syncBuffer
	cmd := exec.Command(python, filepath.Join("testdata", "qgis_oapif.py"), base+"/ogc", "sonla.landuse", dump)
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+t.TempDir())
	cmd.Stderr = &qerr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("QGIS: %v\n%s", err, qerr.String())
	}
	var rep qgisOAPIFReport
	if err := json.Unmarshal(lastLine(stdout), &rep); err != nil {
		t.Fatalf("QGIS report: %v\n%s", err, stdout)
	}
	if !rep.Valid {
		t.Fatalf("QGIS says the OAPIF layer %s is not valid\n%s", rep.URI, qerr.String())
	}
	pages := strings.Count(out.String()+errOut.String(), "path=/ogc/collections/sonla.landuse/items ")
	t.Logf("QGIS: %d features, fields %v, crs %s, %d item requests", rep.Count, rep.Fields, rep.CRS, pages)
	if rep.Count != src.Len() {
		t.Fatalf("QGIS got %d features, the source has %d (first page only?)", rep.Count, src.Len())
	}
	if pages < (src.Len()+299)/300 {
		t.Errorf("QGIS made %d item requests; pages of at most 300 need %d", pages, (src.Len()+299)/300)
	}
	var feats []struct {
		Attributes  map[string]any `json:"attributes"`
		FirstVertex []float64      `json:"first_vertex"`
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &feats); err != nil {
		t.Fatal(err)
	}
	// QGIS 3.22 does not expose the server's feature ids (its feature ids
	// are its own), so features are matched to the source by their
	// attributes, then by a first vertex within 1e-7 degrees: the two lists
	// must be equal as multisets. (A key of the vertex rounded to some
	// decimals would flip where the served 9 decimals round across it.)
	key := func(attrs func(name string) any) string {
		var b strings.Builder
		for _, fd := range src.Schema().Fields {
			v := attrs(fd.Name)
			switch x := v.(type) {
			case int64:
				v = float64(x)
			}
			fmt.Fprintf(&b, "%s=%v;", fd.Name, v)
		}
		return b.String()
	}
	firstVertex := func(i int) []float64 {
		var first []float64
		src.Coordinates(i, func(_ int, c []float64) {
			if first == nil {
				first = c[:2]
			}
		})
		return first
	}
	want := map[string][]int{}
	for i := 0; i < src.Len(); i++ {
		k := key(func(name string) any { _, v := src.Value(i, src.Schema().Index(name)); return v })
		want[k] = append(want[k], i)
	}
	for n, f := range feats {
		for _, fd := range src.Schema().Fields {
			if _, ok := f.Attributes[fd.Name]; !ok {
				t.Fatalf("QGIS feature %d lacks the attribute %s: %v", n, fd.Name, f.Attributes)
			}
		}
		k := key(func(name string) any { return f.Attributes[name] })
		is := want[k]
		m := slices.IndexFunc(is, func(i int) bool {
			first := firstVertex(i)
			if len(f.FirstVertex) != 2 || len(first) != 2 {
				return len(f.FirstVertex) == len(first) // no geometry on either side
			}
			return math.Abs(f.FirstVertex[0]-first[0]) <= 1e-7 && math.Abs(f.FirstVertex[1]-first[1]) <= 1e-7
		})
		if m < 0 {
			t.Fatalf("QGIS feature %d (%v, first vertex %v) matches no source feature left (same attributes and a first vertex within 1e-7 degrees)", n, f.Attributes, f.FirstVertex)
		}
		i := is[m]
		want[k] = slices.Delete(is, m, m+1)
		for fi, fd := range src.Schema().Fields {
			if _, v := src.Value(i, fi); !qgisSame(f.Attributes[fd.Name], v) {
				t.Fatalf("feature %s: QGIS %s = %#v, source %#v", src.FeatureIDText(i), fd.Name, f.Attributes[fd.Name], v)
			}
		}
	}
}

// qgisSame compares an attribute as QGIS gave it with the source value.
func qgisSame(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case int64:
		g, ok := got.(float64)
		return ok && g == float64(w)
	case float64:
		g, ok := got.(float64)
		return ok && (g == w || math.Abs(g-w) <= 1e-9*math.Abs(w))
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}
