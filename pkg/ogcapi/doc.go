// Package ogcapi holds what OGC API - Features (Parts 1, 2 and 3) needs
// apart from HTTP: the vocabulary (link relations, media types,
// conformance classes), the documents (landing page, conformance,
// collections, queryables, OpenAPI, feature collections) as Go types with
// builders and HTML renderers, the CRS identifiers and their axis orders,
// and pure parsers for every query parameter, each returning a
// *ParamError that names the parameter.
//
// It sits between pkg/index (the features) and pkg/server (the routes):
// the server reads a request, calls the parsers here, searches the index
// and hands the results to the builders; nothing here reads a request or
// writes a response, so every rule is tested in isolation, the way
// pg_featureserv keeps its api package apart from its handlers.
//
// CQL2 filters (Part 3) are in the sub-package cql2.
package ogcapi
