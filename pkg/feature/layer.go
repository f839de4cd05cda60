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
	// EncodingDetection tells how the encoding was guessed when nothing
	// (or only a generic code page) named it; nil when it was named.
	EncodingDetection *EncodingDetection `json:"encoding_detection,omitempty"`
	// Warnings are problems that did not stop reading.
	Warnings []string `json:"warnings,omitempty"`
}

// EncodingDetection tells how a reader guessed a text encoding that the
// files did not name: what it chose, why, how sure it is, and one value
// before and after decoding, so that a person can check the guess.
type EncodingDetection struct {
	// Encoding is the encoding chosen: "UTF-8", "windows-1258", "TCVN3",
	// "VNI" or "windows-1252".
	Encoding string `json:"encoding"`
	// Reason says in words why.
	Reason string `json:"reason"`
	// Confidence is between 0 and 1; Level names it: "high", "medium" or
	// "low" (low comes with a warning that suggests naming the encoding).
	Confidence float64 `json:"confidence"`
	Level      string  `json:"level"`
	// Field names the field the sample value comes from; Before is that
	// value read as windows-1252 (what a reader that trusts the file
	// shows) and After the value as decoded.
	Field  string `json:"sample_field,omitempty"`
	Before string `json:"sample_before,omitempty"`
	After  string `json:"sample_after,omitempty"`
	// Candidates scores every encoding considered.
	Candidates []EncodingCandidate `json:"candidates,omitempty"`
}

// EncodingCandidate is how one candidate encoding reads a layer's text:
// of Words distinct words with non-ASCII bytes, Valid decode to Vietnamese
// syllables (for windows-1252: to Latin-script words).
type EncodingCandidate struct {
	Encoding string `json:"encoding"`
	Valid    int    `json:"valid_words"`
	Words    int    `json:"words"`
}
