package demodata

// Feature is one generated feature: a geometry in TM-3 metres and its
// attributes in a fixed order (the order of the DBF columns GDAL writes).
type Feature struct {
	Polygon []pt // ccw exterior ring, open (first point not repeated)
	Line    []pt
	Point   *pt
	Props   []Prop
}

// Prop is one attribute. Val is a string, an int or a float64.
type Prop struct {
	Key string
	Val any
}
