package publish_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/ingest"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/publish"
	"github.com/sonla-gis/plantile/pkg/search"
)

// pointsGeoJSON writes 30 points around Son La city with one at (0, 0) as
// feature 11 and one in Hà Nội as feature 32.
func pointsGeoJSON(t *testing.T) string {
	t.Helper()
	var fs []string
	for i := range 30 {
		fs = append(fs, point(103.90+0.001*float64(i), 21.31+0.0005*float64(i%7)))
	}
	fs = append(fs[:10], append([]string{point(0, 0)}, fs[10:]...)...)
	fs = append(fs, point(105.85, 21.03))
	return writeFile(t, "diem.geojson", `{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`)
}

func point(x, y float64) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{"ten":"a"},"geometry":{"type":"Point","coordinates":[%g,%g]}}`, x, y)
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func request(t *testing.T, srcs ...string) publish.Request {
	q := publish.Defaults()
	q.Sources = srcs
	q.Out = filepath.Join(t.TempDir(), "out", "layer.mbtiles")
	q.MaxZoom = 12
	return q
}

func TestOutlierPolicies(t *testing.T) {
	src := pointsGeoJSON(t)
	for _, tc := range []struct {
		policy  ingest.OutlierPolicy
		refused bool
		listed  int
	}{
		{ingest.OutliersReport, false, 2},
		{ingest.OutliersRefuse, true, 2},
		{ingest.OutliersKeep, false, 0},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			q := request(t, src)
			q.Outliers = tc.policy
			res, err := publish.Run(context.Background(), q, nil)
			var re *publish.RefusedError
			if tc.refused {
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want a *RefusedError", err)
				}
				if len(re.Reasons) != 2 || re.Reasons[0].Feature != 11 || re.Reasons[1].Feature != 32 ||
					!strings.Contains(re.Reasons[0].Cause, "outside Vietnam") || re.Reasons[0].File != src {
					t.Errorf("reasons %+v, want features 11 and 32 of %s", re.Reasons, src)
				}
				if !strings.Contains(err.Error(), "EPSG:9206") {
					t.Errorf("err %q has no CRS hint", err)
				}
				if _, err := os.Stat(q.Out); !os.IsNotExist(err) {
					t.Errorf("refused version written: %v", err)
				}
				entries, _ := os.ReadDir(filepath.Dir(q.Out))
				if len(entries) != 0 {
					t.Errorf("files left after a refusal: %v", entries)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Layers[0].Outliers.Total; got != tc.listed {
				t.Errorf("outliers listed %d, want %d", got, tc.listed)
			}
			if res.FeatureCount() != 32 {
				t.Errorf("features %d, want 32 (outliers are tiled unless refused)", res.FeatureCount())
			}
		})
	}
}

// bowtie is a self-intersecting polygon near Son La.
const bowtie = `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[103.9,21.3],[103.91,21.31],[103.91,21.3],[103.9,21.31],[103.9,21.3]]]}}`
const square = `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[103.9,21.3],[103.91,21.3],[103.91,21.31],[103.9,21.31],[103.9,21.3]]]}}`

func TestInvalidPolicies(t *testing.T) {
	src := writeFile(t, "vung.geojson", `{"type":"FeatureCollection","features":[`+strings.Join([]string{square, bowtie, square, bowtie}, ",")+`]}`)
	q := request(t, src)
	res, err := publish.Run(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Layers[0].Dropped
	if len(d) != 2 || d[0].Feature != 2 || d[1].Feature != 4 || res.FeatureCount() != 2 {
		t.Errorf("drop: dropped %+v, features %d; want features 2 and 4 dropped, 2 kept", d, res.FeatureCount())
	}

	q = request(t, src)
	q.Invalid = publish.InvalidFail
	_, err = publish.Run(context.Background(), q, nil)
	var re *publish.RefusedError
	if !errors.As(err, &re) || len(re.Reasons) != 2 || re.Reasons[0].Feature != 2 || re.Reasons[1].Feature != 4 {
		t.Fatalf("fail: err %v; want a refusal listing features 2 and 4", err)
	}
	if !strings.Contains(re.Reasons[0].Cause, "self-intersect") {
		t.Errorf("cause %q", re.Reasons[0].Cause)
	}
	if _, err := os.Stat(q.Out); !os.IsNotExist(err) {
		t.Errorf("refused version written: %v", err)
	}
}

// TestEvents: the steps come in order and tiling ends at its total.
func TestEvents(t *testing.T) {
	q := request(t, pointsGeoJSON(t))
	q.Outliers = ingest.OutliersKeep
	q.Version = "test-version"
	var steps []string
	last := map[string]publish.Event{}
	res, err := publish.Run(context.Background(), q, func(e publish.Event) {
		if len(steps) == 0 || steps[len(steps)-1] != e.Step {
			steps = append(steps, e.Step)
		}
		last[e.Step] = e
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(steps, ",") != "read,tile,write" {
		t.Errorf("steps %v", steps)
	}
	if e := last[publish.StepTile]; e.Done != e.Total || e.Total == 0 {
		t.Errorf("last tile event %+v", e)
	}
	if res.Version != "test-version" {
		t.Errorf("version %q", res.Version)
	}
}

func TestCheck(t *testing.T) {
	for name, mod := range map[string]func(*publish.Request){
		"no output": func(q *publish.Request) { q.Out = "" },
		"no source": func(q *publish.Request) { q.Sources = nil },
		"zoom":      func(q *publish.Request) { q.MinZoom, q.MaxZoom = 10, 5 },
		"invalid":   func(q *publish.Request) { q.Invalid = "repair" },
		"outliers":  func(q *publish.Request) { q.Outliers = "ignore" },
		"encoding":  func(q *publish.Request) { q.Encoding = "tcvn4" },
	} {
		q := request(t, "x.geojson")
		mod(&q)
		if _, err := publish.Run(context.Background(), q, nil); err == nil || !strings.HasPrefix(err.Error(), "publish: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestSearchFields checks that Request.Search is written to the metadata
// row the server reads, each field with its kind, and that a layer or
// field the sources lack is refused before anything is written.
func TestSearchFields(t *testing.T) {
	src := pointsGeoJSON(t)
	q := request(t, src)
	q.Outliers = ingest.OutliersKeep
	q.Search = map[string][]string{"diem": {"ten"}}
	res, err := publish.Run(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Layers[0].Search; s == nil || len(s.Names) != 1 || s.Names[0] != "ten" {
		t.Errorf("layer search %+v", s)
	}
	r, err := mbtiles.Open(q.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, want := r.Metadata().Extra[search.MetadataKey], `{"diem":{"names":["ten"],"codes":[]}}`; got != want {
		t.Errorf("row %s = %s, want %s", search.MetadataKey, got, want)
	}
	for spec, want := range map[string]map[string][]string{
		`unknown layer "nope"`: {"nope": {"ten"}},
		`no field "ma"`:        {"diem": {"ma"}},
	} {
		q := request(t, src)
		q.Outliers = ingest.OutliersKeep
		q.Search = want
		if _, err := publish.Run(context.Background(), q, nil); err == nil || !strings.Contains(err.Error(), spec) {
			t.Errorf("Search %v: err %v, want %q", want, err, spec)
		}
		if _, err := os.Stat(q.Out); err == nil {
			t.Errorf("Search %v: %s written", want, q.Out)
		}
	}
}
