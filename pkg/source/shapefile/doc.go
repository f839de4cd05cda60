// Package shapefile reads ESRI shapefiles (.shp with its .shx, .dbf, .prj
// and .cpg siblings) as streams of plantile features.
//
// It sits at the start of the pipeline, beside pkg/source/geojson: the
// dispatcher in pkg/source opens a path with Open, and pkg/crs reprojects
// what Layer.Features yields. It is written from the ESRI Shapefile
// Technical Description (July 1998) and the dBASE III+ table format, and
// reads records one at a time through large buffers, so memory does not
// grow with the file.
//
// Attribute text is decoded to NFC UTF-8 from the encoding the caller names,
// else the .cpg, else a specific dBASE language driver id; when nothing (or
// only a generic "Windows ANSI" id) names it, Open samples the table and
// pkg/vntext chooses between UTF-8, Windows-1258, TCVN3, VNI and
// Windows-1252 (LayerInfo.EncodingDetection says why, and how surely).
//
// Geometries are 2D: Z and M values are dropped (LayerInfo.HasZ tells when
// there were Z values). Polygon rings are grouped by orientation and
// containment and written with the RFC 7946 winding: exterior rings
// counter-clockwise, holes clockwise.
//
// Error contract of Reader.Read:
//   - (f, nil): a feature.
//   - (f, err) with f non-nil and err a *feature.Error: the record is bad
//     (a ring of three points, NaN coordinates, counts that do not fit its
//     length...). f carries the row and the attributes with Geometry nil;
//     the stream is intact and the next Read goes on with the next record.
//   - (nil, err): the stream cannot go on (truncated file, a record length
//     that runs past the data, an unreadable .dbf); every later Read returns
//     the same error.
//   - (nil, io.EOF): the end.
package shapefile
