package mbtiles_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

func parcelLayer(t testing.TB, name string, n int) *index.Layer {
	t.Helper()
	b := index.NewBuilder(feature.LayerInfo{Name: name, Schema: feature.Schema{Fields: []feature.Field{{Name: "ma_dat", Type: feature.String}}}})
	for i := range n {
		x, y := 103.9+float64(i%100)*0.001+1e-12*float64(i), 21.3+float64(i/100)*0.001
		if err := b.Add(&feature.Feature{Row: int64(i + 1), ID: fmt.Sprintf("QH-%d", i),
			Geometry:   orb.Polygon{{{x, y}, {x + 0.0009, y}, {x + 0.0009, y + 0.0009}, {x, y + 0.0009}, {x, y}}},
			Properties: feature.Properties{"ma_dat": []string{"ODT", "LUC"}[i%2]}}); err != nil {
			t.Fatal(err)
		}
	}
	return b.Layer()
}

func writeWithFeatures(t *testing.T, path string, layers ...*index.Layer) {
	t.Helper()
	w, err := mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.PutTile(0, 0, 0, []byte{0x1a, 0}); err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if err := w.PutFeatures(l); err != nil {
			t.Fatal(err)
		}
	}
	w.SetMetadata(mbtiles.Metadata{Name: "x", Extra: map[string]string{mbtiles.VersionKey: "v1"}})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestFeaturesRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.mbtiles")
	a, b := parcelLayer(t, "landuse", 2500), parcelLayer(t, "empty", 0)
	writeWithFeatures(t, path, a, b)
	r, err := mbtiles.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Version() != "v1" {
		t.Errorf("Version = %q", r.Version())
	}
	got, err := r.Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Info().Name != "landuse" || got[1].Info().Name != "empty" {
		t.Fatalf("layers %v", got)
	}
	if got[0].Len() != a.Len() || got[0].IDKind() != index.IDString {
		t.Fatalf("Len %d kind %s", got[0].Len(), got[0].IDKind())
	}
	for i := range a.Len() {
		if !reflect.DeepEqual(got[0].Geometry(i), a.Geometry(i)) || got[0].FeatureID(i) != a.FeatureID(i) ||
			!reflect.DeepEqual(got[0].Properties(i), a.Properties(i)) {
			t.Fatalf("feature %d differs", i)
		}
	}
}

func TestFeaturesAbsent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.mbtiles")
	writeWithFeatures(t, path)
	r, err := mbtiles.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ls, err := r.Features(context.Background())
	if err != nil || ls != nil {
		t.Errorf("Features of a file without features = %v, %v; want nil, nil", ls, err)
	}
}

func TestFeaturesDamaged(t *testing.T) {
	tests := []struct {
		name, sql string
	}{
		{"flipped byte", `UPDATE plantile_features SET data = substr(data, 1, 100) || x'00' || substr(data, 102)`},
		{"truncated", `UPDATE plantile_features SET data = substr(data, 1, 100)`},
		{"missing part", `DELETE FROM plantile_features`},
		{"wrong format", `UPDATE plantile_layers SET format = 99`},
		{"wrong count", `UPDATE plantile_layers SET features = 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.mbtiles")
			writeWithFeatures(t, path, parcelLayer(t, "landuse", 300))
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			r, err := mbtiles.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if _, err := r.Features(context.Background()); !errors.Is(err, mbtiles.ErrFeatures) {
				t.Errorf("Features = %v, want ErrFeatures", err)
			}
		})
	}
}
