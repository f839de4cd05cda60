package ogcapi_test

import (
	"fmt"
	"net/url"

	"github.com/sonla-gis/plantile/pkg/ogcapi"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

// What an items handler does with a query before touching the index.
func Example_items() {
	q, _ := url.ParseQuery("limit=50000&bbox=21.3,103.9,21.4,104.0&bbox-crs=EPSG:4326&ma_dat=ODT&filter=dien_tich>100&sortby=-dien_tich")
	limit, _ := ogcapi.ParseLimit(q.Get("limit"), 100, 10000)
	bboxCRS, _ := ogcapi.ParseCRS("bbox-crs", q.Get("bbox-crs"))
	bbox, _ := ogcapi.ParseBBox(q.Get("bbox"), bboxCRS, nil)
	eq, _ := ogcapi.ParsePropertyFilters(q, schema)
	f, _ := ogcapi.ParseFilter(q.Get("filter"), q.Get("filter-lang"), ogcapi.CRS84(), nil, cql2.Queryables{Schema: schema})
	sort, _ := ogcapi.ParseSortBy(q.Get("sortby"), schema)
	fmt.Println(limit, bbox.Bounds, ogcapi.PropertyFiltersExpr(eq), f.Expr, sort)

	_, err := ogcapi.ParseLimit("ten", 100, 10000)
	status, ex := ogcapi.ExceptionFor(err)
	fmt.Println(status, ex.Code, ex.Description)
	// Output:
	// 10000 [{[103.9 21.3] [104 21.4]}] "ma_dat" = 'ODT' "dien_tich" > 100.0 [{dien_tich 1 true}]
	// 400 InvalidParameterValue parameter limit: "ten" is not a positive integer
}
