package geojson_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// parcels builds a FeatureCollection of n parcels of 20 vertices with a
// few properties, deterministically.
func parcels(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":%d,"properties":{"ma_dat":"ODT","so_thua":%d,"dien_tich":%d.25,"chu_su_dung":"Lò Văn %d"},"geometry":{"type":"Polygon","coordinates":[[`, i, i, i, i)
		for j := 0; j < 20; j++ {
			fmt.Fprintf(&b, `[%d.123456,%d.654321],`, 491000+i%1000+j, 2358000+i/1000+j)
		}
		fmt.Fprintf(&b, `[%d.123456,%d.654321]]]}}`, 491000+i%1000, 2358000+i/1000)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkRead reads 1000 parcels with the streaming reader, and with
// encoding/json into generic maps as the naive baseline.
func BenchmarkRead(b *testing.B) {
	data := parcels(1000)
	b.Run("Reader", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r := geojson.NewReader("bench.geojson", bytes.NewReader(data))
			for {
				_, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("naive-map", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
