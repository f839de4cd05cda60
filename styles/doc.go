// Package styles bundles plantile's MapLibre style documents and the fonts
// their labels use, so that the binary serves a complete, offline web map.
//
// The directory is also meant to be edited by hand: sonla.json is the style
// of the Son La demo, landuse.json the land-use palette (code, Vietnamese and
// English name, colour) that the style's fill colours and legend must agree
// with, and fonts/ the Noto Sans TrueType files (SIL OFL 1.1, see
// fonts/OFL.txt) that package glyphs turns into /fonts/{fontstack}/{range}.pbf.
package styles
