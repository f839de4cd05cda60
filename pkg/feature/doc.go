// Package feature holds plantile's domain types: a Feature with a stable
// identity, an orb geometry and typed properties; the Schema of a layer; and
// the Error that every reader returns for bad input.
//
// It sits at the top of the pipeline: the source readers produce Features,
// pkg/crs reprojects them, pkg/index stores them, and pkg/tiler and the HTTP
// server read them back. It imports nothing of plantile's own.
package feature
