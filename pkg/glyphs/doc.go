// Package glyphs renders the signed-distance-field glyph ranges that MapLibre
// GL JS (and QGIS's MapLibre style converter) request from a style's
// "glyphs" URL, /fonts/{fontstack}/{range}.pbf.
//
// It sits at the end of the serving pipeline, beside the tiles: the server
// hands it the bundled TrueType fonts once (see package styles) and asks it for
// one 256-code-point range at a time. Glyphs are rasterized with
// golang.org/x/image/font/sfnt and golang.org/x/image/vector at the size
// MapLibre expects (24 px, 3 px buffer), turned into a signed distance field
// with a Euclidean distance transform (radius 8 px, cutoff 0.25, so the glyph
// edge sits at byte value 192) and encoded as the small "glyphs" protobuf
// message by hand. Ranges are cached after their first request.
//
// Nothing here reaches the network: labels in Vietnamese (ấ, ầ, ơ, ư, đ, and
// the combining tone marks) render offline from the bundled font.
package glyphs
