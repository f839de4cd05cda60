package crs_test

import (
	"fmt"

	"github.com/sonla-gis/plantile/pkg/crs"
)

// A Son La .prj as GDAL writes it: VN-2000 without TOWGS84. It gets
// EPSG:6960.
func ExampleParse() {
	c, err := crs.Parse(`PROJCS["VN-2000_TM-3_104-00",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",104.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	fmt.Println(c.VN2000)
	fmt.Println(c.Transformation)
	// Output:
	// VN-2000 / TM-3 104-00 (EPSG:9206)
	// true
	// EPSG:6960 VN-2000 to WGS 84 (2), 1 m (+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278)
}
