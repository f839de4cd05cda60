package feature

// LayerInfo describes a source layer as a reader found it, before any
// reprojection: what `plantile inspect` prints and what the tiler and the
// catalog record.
type LayerInfo struct {
	// Name is the layer name: the file name without extension for a
	// shapefile or GeoJSON file.
	Name string `json:"name"`
	// Source is the path the layer was read from; for a member of a zip
	// archive it is "archive.zip/inner/path.shp".
	Source string `json:"source"`
	// GeometryType is the declared or detected geometry type: one of
	// "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
	// "MultiPolygon", "Geometry" (mixed or unknown) or "None".
	GeometryType string `json:"geometry_type"`
	// HasZ reports whether the source carries Z values (readers drop them:
	// features are 2D).
	HasZ bool `json:"has_z,omitempty"`
	// Count is the number of records declared by the source header (for a
	// shapefile, the dBASE record count or the .shx count), or -1 when it
	// is only known after reading every feature.
	Count int64 `json:"count"`
	// Schema lists the fields in source order.
	Schema Schema `json:"schema"`
	// CRS is the coordinate reference system text found with the data:
	// the .prj WKT, or the GeoJSON legacy "crs" name. Empty when none.
	CRS string `json:"crs,omitempty"`
	// Encoding is the text encoding used for attributes, e.g. "UTF-8",
	// "windows-1258", and how it was chosen, e.g. "windows-1258 (.cpg)".
	Encoding string `json:"encoding,omitempty"`
	// Warnings are problems that did not stop reading.
	Warnings []string `json:"warnings,omitempty"`
}
