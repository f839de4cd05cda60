// Package web bundles plantile's web map: a MapLibre GL JS viewer (plain ES
// modules in static/, no bundler) and the MapLibre GL JS files vendored from
// npm by vendor.sh. The server serves FS at its root.
//
// The viewer is driven by the server, not by hard-coded layers: it loads a
// style from /styles/{name}.json (the legend, layer and field names come from
// the style's metadata), lists the tilesets from /tiles and their vector
// layers from each TileJSON, and reads an optional basemap from /config.json.
// Nothing it loads comes from another host unless a basemap is configured.
package web
