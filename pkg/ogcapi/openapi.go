package ogcapi

import (
	"github.com/sonla-gis/plantile/pkg/feature"
)

// OpenAPI builds the OpenAPI 3.0 document (rel=service-desc). Its
// components.parameters.limit declares the default and maximum page size:
// QGIS reads exactly that place for the page size it asks for, and GDAL
// reads the items path's parameters. Each collection gets its own items
// path listing its properties as query parameters (style form, explode
// false), which QGIS reads as simple queryables.
func (s Service) OpenAPI(cis []CollectionInfo) map[string]any {
	type m = map[string]any
	ref := func(name string) m { return m{"$ref": "#/components/parameters/" + name} }
	query := func(name, desc string, schema m) m {
		return m{"name": name, "in": "query", "description": desc, "required": false,
			"style": "form", "explode": false, "schema": schema}
	}
	crsEnum := []string{}
	for _, c := range SupportedCRS() {
		crsEnum = append(crsEnum, c.URI)
	}
	crsSchema := m{"type": "string", "format": "uri", "enum": crsEnum, "default": CRS84URI}
	params := m{
		"limit": query(ParamLimit, "The number of features on a page; larger values are reduced to the maximum.",
			m{"type": "integer", "minimum": 1, "maximum": s.MaxLimit, "default": s.DefaultLimit}),
		"offset": query(ParamOffset, "The index of the first feature of the page, in the stable order of the collection (next links carry it).",
			m{"type": "integer", "minimum": 0, "maximum": MaxOffset, "default": 0}),
		"bbox": query(ParamBBox, "Features intersecting the box: minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs; west > east crosses the antimeridian.",
			m{"type": "array", "minItems": 4, "maxItems": 6, "items": m{"type": "number"}}),
		"bbox-crs":    query(ParamBBoxCRS, "The CRS of bbox (CRS84 by default).", crsSchema),
		"crs":         query(ParamCRS, "The CRS of the response geometries (CRS84 by default); see the Content-Crs header.", crsSchema),
		"filter":      query(ParamFilter, "A CQL2 filter (basic CQL2 and S_INTERSECTS).", m{"type": "string"}),
		"filter-lang": query(ParamFilterLang, "The language of filter.", m{"type": "string", "enum": []string{FilterLangText, FilterLangJSON}, "default": FilterLangText}),
		"filter-crs":  query(ParamFilterCRS, "The CRS of the geometries in filter (CRS84 by default).", crsSchema),
		"properties": query(ParamProperties, "The properties to return, comma-separated.",
			m{"type": "array", "items": m{"type": "string"}}),
		"sortby": query(ParamSortBy, "Sort keys, comma-separated, each prefixed with + (ascending, default) or - (descending).",
			m{"type": "array", "items": m{"type": "string", "pattern": `[+-]?[^,]+`}}),
		"v": query(ParamVersion, "The version of the collection the paging started on (page links carry it); a version no longer served is a 409: start again from the first page.",
			m{"type": "string"}),
		"f": query(ParamF, "The response format.", m{"type": "string", "enum": []string{"json", "html"}}),
		"collectionId": m{"name": "collectionId", "in": "path", "required": true,
			"description": "The collection id.", "schema": m{"type": "string"}},
		"featureId": m{"name": "featureId", "in": "path", "required": true,
			"description": "The feature id.", "schema": m{"type": "string"}},
	}
	// v is a scalar: explode true says the same and keeps QGIS from
	// reading it as a property (below).
	params["v"].(m)["explode"] = true
	// QGIS reads every form/explode=false query parameter of a
	// collection's items path, other than the standard ones it knows, as a
	// property; so the per-collection paths list only those it knows, the
	// properties, and offset with explode true (a scalar: the same thing).
	itemsParams := func(perCollection bool) []any {
		names := []string{"limit", "offset", "bbox", "bbox-crs", "crs", "filter", "filter-lang", "filter-crs", "properties", "sortby", "v", "f"}
		if perCollection {
			names = []string{"limit", "bbox", "bbox-crs", "crs", "filter", "filter-lang", "filter-crs"}
		}
		var out []any
		for _, n := range names {
			out = append(out, ref(n))
		}
		if perCollection {
			off := query(ParamOffset, "The index of the first feature of the page.", m{"type": "integer", "minimum": 0})
			off["explode"] = true
			out = append(out, off)
		}
		return out
	}
	resp := func(desc string, types ...string) m {
		content := m{}
		for _, t := range types {
			content[t] = m{"schema": m{"type": "object"}}
		}
		return m{"200": m{"description": desc, "content": content},
			"400": m{"$ref": "#/components/responses/BadRequest"},
			"404": m{"$ref": "#/components/responses/NotFound"}}
	}
	op := func(id, summary string, params []any, r m) m {
		g := m{"operationId": id, "summary": summary, "responses": r}
		if params != nil {
			g["parameters"] = params
		}
		return m{"get": g}
	}
	paths := m{
		"/": op("getLandingPage", "Landing page", []any{ref("f")}, resp("The landing page", MediaJSON, MediaHTML)),
		"/conformance": op("getConformance", "Conformance classes", []any{ref("f")},
			resp("The conformance classes", MediaJSON, MediaHTML)),
		"/api": op("getAPI", "This document", nil, resp("The OpenAPI document", MediaOpenAPI)),
		"/collections": op("getCollections", "Collections", []any{ref("f")},
			resp("The collections", MediaJSON, MediaHTML)),
		"/collections/{collectionId}": op("describeCollection", "A collection", []any{ref("collectionId"), ref("f")},
			resp("The collection", MediaJSON, MediaHTML)),
		"/collections/{collectionId}/queryables": op("getQueryables", "Queryables of a collection", []any{ref("collectionId")},
			resp("The queryables as JSON Schema", MediaSchemaJSON)),
		"/collections/{collectionId}/items": op("getFeatures", "Features of a collection", append([]any{ref("collectionId")}, itemsParams(false)...),
			resp("A page of features", MediaGeoJSON, MediaHTML)),
		"/collections/{collectionId}/items/{featureId}": op("getFeature", "One feature", []any{ref("collectionId"), ref("featureId"), ref("crs"), ref("f")},
			resp("The feature", MediaGeoJSON, MediaHTML)),
	}
	for _, ci := range cis {
		ps := itemsParams(true)
		for _, f := range ci.Schema.Fields {
			if js := jsonSchemaType(f.Type); js.Type != "" && f.Type != feature.JSON {
				schema := m{"type": js.Type}
				if js.Format != "" {
					schema["format"] = js.Format
				}
				ps = append(ps, query(f.Name, "Features whose "+f.Name+" equals the value.", schema))
			}
		}
		paths[s.collectionPath(ci.ID)+"/items"] = op("getFeatures_"+ci.ID, "Features of "+ci.ID, ps,
			resp("A page of features", MediaGeoJSON, MediaHTML))
	}
	exception := m{"type": "object", "required": []string{"code"},
		"properties": m{"code": m{"type": "string"}, "description": m{"type": "string"}}}
	errResp := func(desc string) m {
		return m{"description": desc, "content": m{MediaJSON: m{"schema": m{"$ref": "#/components/schemas/exception"}}}}
	}
	return m{
		"openapi": "3.0.3",
		"info": m{"title": s.Title, "description": s.Description, "version": "1.0.0",
			"contact": m{"name": s.Title}},
		"servers": []any{m{"url": s.BaseURL}},
		"paths":   paths,
		"components": m{
			"parameters": params,
			"schemas":    m{"exception": exception},
			"responses": m{
				"BadRequest": errResp("A parameter is invalid; the description names it."),
				"NotFound":   errResp("No such collection or feature."),
			},
		},
	}
}
