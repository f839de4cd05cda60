package geojson_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

func ExampleNewReader() {
	text := `{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":[103.9188,21.3256]},"properties":{"ma_dat":"ODT","dien_tich":120.5}}
{"type":"Feature","id":"b","geometry":null,"properties":{"ma_dat":"ONT"}}`
	r := geojson.NewReader("plan.geojsonl", strings.NewReader(text))
	defer r.Close()
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%d %v %v %v %v\n", f.Row, f.ID, f.Geometry, f.Properties["ma_dat"], f.Properties["dien_tich"])
	}
	// Output:
	// 1 1 [103.9188 21.3256] ODT 120.5
	// 2 b <nil> ONT <nil>
}
