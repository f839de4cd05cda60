package shapefile_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

// parcels generates n land parcels in VN-2000 / TM-3 metres around Son La
// city: clockwise rings of 5 to 12 vertices, one in ten with a hole, and a
// dBASE row per parcel (land-use code, parcel number, area, owner, date).
// The seed is fixed so runs compare.
func parcels(n int) (shp, dbf []byte) {
	rng := rand.New(rand.NewPCG(2025, 7))
	codes := []string{"ODT", "ONT", "LUC", "CLN", "RSX", "DGT", "SON", "TMD"}
	contents := make([][]byte, n)
	rows := make([][]string, n)
	for i := range contents {
		cx := 491000 + rng.Float64()*20000
		cy := 2350000 + rng.Float64()*20000
		r := 10 + rng.Float64()*40
		k := 5 + rng.IntN(8)
		ring := make([]orb.Point, k+1)
		for j := 0; j < k; j++ {
			a := -2 * math.Pi * float64(j) / float64(k) // clockwise
			ring[j] = orb.Point{cx + r*math.Cos(a), cy + r*math.Sin(a)}
		}
		ring[k] = ring[0]
		parts := [][]orb.Point{ring}
		if i%10 == 0 {
			parts = append(parts, square(cx-2, cy-2, 4, true))
		}
		contents[i] = partsContent(tPolygon, parts...)
		rows[i] = []string{
			codes[rng.IntN(len(codes))],
			strconv.Itoa(i + 1),
			strconv.FormatFloat(math.Pi*r*r, 'f', 3, 64),
			fmt.Sprintf("Hộ ông Lò Văn %d", rng.IntN(1000)),
			"20240315",
		}
	}
	fields := []dbfField{{"ma_dat", 'C', 10, 0}, {"so_thua", 'N', 10, 0}, {"dien_tich", 'N', 14, 3}, {"chu_su_dung", 'C', 60, 0}, {"ngay_cap", 'D', 8, 0}}
	return shpFile(tPolygon, contents...), dbfFile(0, fields, rows...)
}

func benchmarkRead(b *testing.B, open func() (*shapefile.Reader, error), n int) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := open()
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		for {
			f, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil || f.Geometry == nil {
				b.Fatal(err)
			}
			count++
		}
		r.Close()
		if count != n {
			b.Fatalf("%d features, want %d", count, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/feature")
}

// BenchmarkReadParcels reads 10,000 parcels with attributes from memory.
func BenchmarkReadParcels(b *testing.B) {
	const n = 10_000
	shp, dbf := parcels(n)
	b.SetBytes(int64(len(shp) + len(dbf)))
	benchmarkRead(b, func() (*shapefile.Reader, error) {
		return shapefile.NewReader("p.shp", bytes.NewReader(shp), bytes.NewReader(dbf), shapefile.Options{Encoding: "UTF-8"})
	}, n)
}

// BenchmarkReadParcelsGeometryOnly leaves the .dbf out.
func BenchmarkReadParcelsGeometryOnly(b *testing.B) {
	const n = 10_000
	shp, _ := parcels(n)
	b.SetBytes(int64(len(shp)))
	benchmarkRead(b, func() (*shapefile.Reader, error) {
		return shapefile.NewReader("p.shp", bytes.NewReader(shp), nil, shapefile.Options{})
	}, n)
}

// BenchmarkLayerFeatures reads the same parcels from files through Open.
func BenchmarkLayerFeatures(b *testing.B) {
	const n = 10_000
	shp, dbf := parcels(n)
	dir := b.TempDir()
	for name, data := range map[string][]byte{"p.shp": shp, "p.dbf": dbf, "p.cpg": []byte("UTF-8")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	layers, err := shapefile.Open(filepath.Join(dir, "p.shp"), shapefile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(shp) + len(dbf)))
	benchmarkRead(b, func() (*shapefile.Reader, error) {
		r, err := layers[0].Features()
		if err != nil {
			return nil, err
		}
		return r.(*shapefile.Reader), nil
	}, n)
}
