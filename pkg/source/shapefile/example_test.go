package shapefile_test

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

func Example() {
	layers, err := shapefile.Open(filepath.Join("..", "..", "..", "testdata", "dvhcvn", "son_la_districts_vn2000_tm3_cp1258.shp"), shapefile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	info := layers[0].Info()
	fmt.Println(info.Name, info.GeometryType, info.Count, info.Encoding)
	r, err := layers[0].Features()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil && f == nil {
			fmt.Println(err) // the stream cannot go on
			return
		}
		if err != nil {
			continue // one bad record; f.Row says which
		}
		if f.Row == 1 {
			fmt.Println(f.Properties["ten"], f.Geometry.GeoJSONType())
		}
	}
	// Output:
	// son_la_districts_vn2000_tm3_cp1258 MultiPolygon 12 windows-1258 (.cpg)
	// Thành phố Sơn La Polygon
}
