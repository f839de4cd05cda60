package ogcapi

// Media types of the documents served. The OpenAPI type carries its
// version parameter: QGIS looks for exactly this type on rel=service-desc.
const (
	MediaGeoJSON    = "application/geo+json"
	MediaJSON       = "application/json"
	MediaHTML       = "text/html"
	MediaOpenAPI    = "application/vnd.oai.openapi+json;version=3.0"
	MediaSchemaJSON = "application/schema+json"
	MediaProblem    = "application/problem+json"
)

// Link relations used by OGC API - Features (IANA names and the OGC ones
// registered under http://www.opengis.net/def/rel/ogc/1.0/).
const (
	RelSelf        = "self"
	RelAlternate   = "alternate"
	RelNext        = "next"
	RelPrev        = "prev"
	RelCollection  = "collection"
	RelItems       = "items"
	RelServiceDesc = "service-desc"
	RelServiceDoc  = "service-doc"
	RelConformance = "conformance"
	RelData        = "data"
	RelQueryables  = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
)

// Conformance classes. Part 1: Core; Part 2: Coordinate Reference Systems
// by Reference; Part 3: Filtering and the Common Query Language (CQL2).
const (
	ConfCore    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	ConfOAS30   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	ConfGeoJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	ConfHTML    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
	ConfCRS     = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"

	ConfFilter                    = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
	ConfFeaturesFilter            = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter"
	ConfQueryables                = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables"
	ConfQueryablesQueryParameters = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters"

	ConfCQL2Text              = "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"
	ConfCQL2JSON              = "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"
	ConfBasicCQL2             = "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2"
	ConfBasicSpatialFunctions = "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions"
	// ConfBasicSpatialFunctionsPlus is the class for S_INTERSECTS with
	// every geometry type (not only points and BBOX), which the cql2
	// package supports.
	ConfBasicSpatialFunctionsPlus = "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus"
	// ConfPropertyProperty allows comparing a property with another
	// property, which the cql2 evaluator supports.
	ConfPropertyProperty = "http://www.opengis.net/spec/cql2/1.0/conf/property-property"
)

// ConformanceClasses lists every class this package implements, in the
// order the /conformance document lists them. Spatial functions other
// than S_INTERSECTS (spatial-functions class) are not implemented.
func ConformanceClasses() []string {
	return []string{
		ConfCore, ConfOAS30, ConfGeoJSON, ConfHTML,
		ConfCRS,
		ConfFilter, ConfFeaturesFilter, ConfQueryables, ConfQueryablesQueryParameters,
		ConfCQL2Text, ConfCQL2JSON, ConfBasicCQL2,
		ConfBasicSpatialFunctions, ConfBasicSpatialFunctionsPlus, ConfPropertyProperty,
	}
}

// Filter languages accepted by the filter-lang parameter.
const (
	FilterLangText = "cql2-text"
	FilterLangJSON = "cql2-json"
)
