package ogcapi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/sonla-gis/plantile/pkg/feature"
)

// Link is a web link of an OGC API document.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Service describes the API as a whole: where it is mounted and its
// paging limits. The builders below are its methods, so every link of
// every document starts from one BaseURL.
type Service struct {
	// BaseURL is the absolute URL of the landing page, without a trailing
	// slash, e.g. "http://localhost:8080/ogc". The server builds it from
	// the request (Host, X-Forwarded-Proto) or from configuration.
	BaseURL     string
	Title       string
	Description string
	// DefaultLimit and MaxLimit are the items page sizes: declared in the
	// OpenAPI document, where QGIS reads them.
	DefaultLimit, MaxLimit int
}

// Format is a response encoding, chosen by NegotiateFormat.
type Format int

// Formats.
const (
	FormatJSON    Format = iota // application/json (application/geo+json for features)
	FormatHTML                  // text/html
	FormatOpenAPI               // the OpenAPI document
)

// NegotiateFormat picks the response format from the f parameter
// ("json", "html"; "geojson" is json) or else the Accept header: HTML
// when the client prefers text/html to JSON (browsers), JSON otherwise
// (QGIS, GDAL, curl).
func NegotiateFormat(f, accept string) (Format, error) {
	switch strings.ToLower(f) {
	case "json", "geojson":
		return FormatJSON, nil
	case "html":
		return FormatHTML, nil
	case "":
	default:
		return 0, paramErrorf(ParamF, "unsupported format %q (json or html)", f)
	}
	html, jsn := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && k == "q" {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		switch {
		case mt == MediaHTML || mt == "application/xhtml+xml":
			html = max(html, q)
		case mt == MediaJSON || mt == MediaGeoJSON || strings.HasPrefix(mt, "application/vnd.oai.openapi") || mt == MediaSchemaJSON:
			jsn = max(jsn, q)
		}
	}
	if html > 0 && html > jsn {
		return FormatHTML, nil
	}
	return FormatJSON, nil
}

// LandingPage is the document at the base URL.
type LandingPage struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Links       []Link `json:"links"`
}

// Conformance is the /conformance document.
type Conformance struct {
	ConformsTo []string `json:"conformsTo"`
}

// Collections is the /collections document.
type Collections struct {
	Links       []Link       `json:"links"`
	Collections []Collection `json:"collections"`
}

// Collection is the /collections/{id} document.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Links       []Link   `json:"links"`
	Extent      *Extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs"`
	// Count and Schema are for the HTML page only.
	Count  int            `json:"-"`
	Schema feature.Schema `json:"-"`
}

// Extent is a collection's extent; only the spatial one is known.
type Extent struct {
	Spatial SpatialExtent `json:"spatial"`
}

// SpatialExtent is a bounding box in CRS84.
type SpatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

// CollectionInfo is what the builders need to know of a layer.
type CollectionInfo struct {
	ID          string // URL path segment: the layer name
	Title       string
	Description string
	Bounds      orb.Bound // CRS84; zero for an empty layer
	Schema      feature.Schema
	Count       int
	// SourceEPSG is the EPSG code of the CRS the layer came in (e.g. 9206),
	// added to the crs list when supported; 0 if none.
	SourceEPSG int
}

// Href returns BaseURL + path + the query, if any.
func (s Service) Href(path string, q url.Values) string {
	h := s.BaseURL + path
	if len(q) > 0 {
		h += "?" + q.Encode()
	}
	return h
}

func fq(f string) url.Values { return url.Values{ParamF: {f}} }

// LandingPage builds the landing page: self and alternate, the OpenAPI
// document (service-desc, the type QGIS requires), its HTML view
// (service-doc), conformance and data.
func (s Service) LandingPage() LandingPage {
	return LandingPage{
		Title:       s.Title,
		Description: s.Description,
		Links: []Link{
			{Href: s.Href("/", fq("json")), Rel: RelSelf, Type: MediaJSON, Title: "this document"},
			{Href: s.Href("/", fq("html")), Rel: RelAlternate, Type: MediaHTML, Title: "this document as HTML"},
			{Href: s.Href("/api", nil), Rel: RelServiceDesc, Type: MediaOpenAPI, Title: "the API definition (OpenAPI 3.0)"},
			{Href: s.Href("/api", fq("html")), Rel: RelServiceDoc, Type: MediaHTML, Title: "the API documentation"},
			{Href: s.Href("/conformance", nil), Rel: RelConformance, Type: MediaJSON, Title: "conformance classes"},
			{Href: s.Href("/collections", nil), Rel: RelData, Type: MediaJSON, Title: "collections"},
		},
	}
}

// Conformance builds the conformance document.
func (s Service) Conformance() Conformance { return Conformance{ConformsTo: ConformanceClasses()} }

func (s Service) collectionPath(id string) string { return "/collections/" + url.PathEscape(id) }

// Collection builds the collection document: its extent, itemType
// feature, storageCrs CRS84 (the index's), the crs list (CRSList with
// the layer's source CRS), and links to itself, its items in GeoJSON and
// HTML, and its queryables.
func (s Service) Collection(ci CollectionInfo) Collection {
	p := s.collectionPath(ci.ID)
	c := Collection{
		ID: ci.ID, Title: ci.Title, Description: ci.Description,
		ItemType: "feature", CRS: CRSList(9206, ci.SourceEPSG), StorageCRS: CRS84URI,
		Count: ci.Count, Schema: ci.Schema,
		Links: []Link{
			{Href: s.Href(p, fq("json")), Rel: RelSelf, Type: MediaJSON, Title: "this collection"},
			{Href: s.Href(p, fq("html")), Rel: RelAlternate, Type: MediaHTML, Title: "this collection as HTML"},
			{Href: s.Href(p+"/items", fq("json")), Rel: RelItems, Type: MediaGeoJSON, Title: "features"},
			{Href: s.Href(p+"/items", fq("html")), Rel: RelItems, Type: MediaHTML, Title: "features as HTML"},
			{Href: s.Href(p+"/queryables", nil), Rel: RelQueryables, Type: MediaSchemaJSON, Title: "queryables"},
		},
	}
	if ci.Title == "" {
		c.Title = ci.ID
	}
	if ci.Bounds != (orb.Bound{}) {
		b := ci.Bounds
		c.Extent = &Extent{Spatial: SpatialExtent{
			BBox: [][4]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}},
			CRS:  CRS84URI,
		}}
	}
	return c
}

// Collections builds /collections.
func (s Service) Collections(cis []CollectionInfo) Collections {
	out := Collections{
		Links: []Link{
			{Href: s.Href("/collections", fq("json")), Rel: RelSelf, Type: MediaJSON, Title: "this document"},
			{Href: s.Href("/collections", fq("html")), Rel: RelAlternate, Type: MediaHTML, Title: "this document as HTML"},
		},
		Collections: make([]Collection, 0, len(cis)),
	}
	for _, ci := range cis {
		out.Collections = append(out.Collections, s.Collection(ci))
	}
	return out
}

// Queryables is the JSON Schema of /collections/{id}/queryables.
type Queryables struct {
	Schema     string                     `json:"$schema"`
	ID         string                     `json:"$id"`
	Type       string                     `json:"type"`
	Title      string                     `json:"title,omitempty"`
	Properties map[string]QueryableSchema `json:"properties"`
	// AdditionalProperties false: only these names may be used.
	AdditionalProperties bool `json:"additionalProperties"`
}

// QueryableSchema is the JSON Schema of one queryable.
type QueryableSchema struct {
	Title  string `json:"title,omitempty"`
	Type   string `json:"type,omitempty"`
	Format string `json:"format,omitempty"`
	Ref    string `json:"$ref,omitempty"`
}

// GeometryQueryable is the name of the geometry in filters.
const GeometryQueryable = "geometry"

// Queryables builds the queryables of a collection from its schema: one
// property per field (JSON fields are not queryable) and the geometry,
// referenced to the GeoJSON geometry schema as Part 3 recommends.
func (s Service) Queryables(ci CollectionInfo) Queryables {
	q := Queryables{
		Schema: "https://json-schema.org/draft/2019-09/schema",
		ID:     s.Href(s.collectionPath(ci.ID)+"/queryables", nil),
		Type:   "object", Title: ci.Title,
		Properties: map[string]QueryableSchema{
			GeometryQueryable: {Title: "geometry", Ref: "https://geojson.org/schema/Geometry.json"},
		},
	}
	for _, f := range ci.Schema.Fields {
		if js := jsonSchemaType(f.Type); js.Type != "" {
			js.Title = f.Name
			q.Properties[f.Name] = js
		}
	}
	return q
}

func jsonSchemaType(t feature.FieldType) QueryableSchema {
	switch t {
	case feature.String:
		return QueryableSchema{Type: "string"}
	case feature.Int:
		return QueryableSchema{Type: "integer"}
	case feature.Float:
		return QueryableSchema{Type: "number"}
	case feature.Bool:
		return QueryableSchema{Type: "boolean"}
	case feature.Date:
		return QueryableSchema{Type: "string", Format: "date"}
	}
	return QueryableSchema{}
}

// Feature is a GeoJSON feature with OGC links.
type Feature struct {
	Type       string             `json:"type"`
	ID         any                `json:"id"`
	Geometry   *geojson.Geometry  `json:"geometry"`
	Properties feature.Properties `json:"properties"`
	Links      []Link             `json:"links,omitempty"`
}

// NewFeature wraps a geometry (already in the response CRS) and
// properties. id is a string or an integer, as the index keeps it.
func NewFeature(id any, g orb.Geometry, props feature.Properties) Feature {
	f := Feature{Type: "Feature", ID: id, Properties: props}
	if g != nil {
		f.Geometry = geojson.NewGeometry(g)
	}
	if f.Properties == nil {
		f.Properties = feature.Properties{}
	}
	return f
}

// FeatureCollection is an items page.
type FeatureCollection struct {
	Type           string    `json:"type"`
	Features       []Feature `json:"features"`
	NumberMatched  *int      `json:"numberMatched,omitempty"`
	NumberReturned int       `json:"numberReturned"`
	TimeStamp      string    `json:"timeStamp"`
	Links          []Link    `json:"links"`
}

// Page says where an items page lies in the matching features.
type Page struct {
	Offset, Limit int
	Returned      int // features on this page
	Matched       int // features matching in all; -1 when not counted
	// Version, when set, is the version of the collection that answered:
	// the page links (self, alternate, next, prev) carry it as v=.
	Version string
}

// FeatureID formats a feature id for a URL path.
func FeatureID(id any) string {
	switch v := id.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case int:
		return strconv.Itoa(v)
	case nil:
		return ""
	}
	return fmt.Sprint(id)
}

// FeatureCollection builds an items page of collection id: the features
// get self links, and the page self, alternate (HTML), next and prev
// links in GeoJSON (QGIS and GDAL follow rel=next of that type) and HTML.
// q is the request's query: every parameter is kept in the links except
// offset and f, and limit is made explicit, so next pages repeat the
// same filter. now is the timeStamp (the caller passes time.Now()).
func (s Service) FeatureCollection(id string, q url.Values, p Page, fs []Feature, now time.Time) FeatureCollection {
	fp := s.collectionPath(id) + "/items/"
	for i := range fs {
		fs[i].Links = []Link{{Href: s.Href(fp+url.PathEscape(FeatureID(fs[i].ID)), nil), Rel: RelSelf, Type: MediaGeoJSON}}
	}
	if fs == nil {
		fs = []Feature{}
	}
	var matched *int
	if p.Matched >= 0 {
		matched = &p.Matched
	}
	return FeatureCollection{
		Type: "FeatureCollection", Features: fs,
		NumberMatched: matched, NumberReturned: p.Returned,
		TimeStamp: now.UTC().Format(time.RFC3339),
		Links:     s.ItemsLinks(id, q, p),
	}
}

// ItemsLinks returns the links of an items page; see FeatureCollection.
func (s Service) ItemsLinks(id string, q url.Values, p Page) []Link {
	path := s.collectionPath(id) + "/items"
	at := func(offset int, f string) string {
		v := url.Values{}
		for k, vals := range q {
			if k != ParamOffset && k != ParamF {
				v[k] = vals
			}
		}
		v.Set(ParamLimit, strconv.Itoa(p.Limit))
		if p.Version != "" {
			v.Set(ParamVersion, p.Version)
		} else {
			delete(v, ParamVersion)
		}
		if offset > 0 {
			v.Set(ParamOffset, strconv.Itoa(offset))
		}
		v.Set(ParamF, f)
		return s.Href(path, v)
	}
	links := []Link{
		{Href: at(p.Offset, "json"), Rel: RelSelf, Type: MediaGeoJSON, Title: "this page"},
		{Href: at(p.Offset, "html"), Rel: RelAlternate, Type: MediaHTML, Title: "this page as HTML"},
	}
	// A next link while more features match; when they were not counted,
	// while pages come full (the last one may then be empty).
	next := p.Offset + p.Returned
	if p.Returned > 0 && (next < p.Matched || p.Matched < 0 && p.Returned >= p.Limit) {
		links = append(links,
			Link{Href: at(next, "json"), Rel: RelNext, Type: MediaGeoJSON, Title: "next page"},
			Link{Href: at(next, "html"), Rel: RelNext, Type: MediaHTML, Title: "next page as HTML"})
	}
	if p.Offset > 0 {
		prev := max(p.Offset-p.Limit, 0)
		links = append(links,
			Link{Href: at(prev, "json"), Rel: RelPrev, Type: MediaGeoJSON, Title: "previous page"},
			Link{Href: at(prev, "html"), Rel: RelPrev, Type: MediaHTML, Title: "previous page as HTML"})
	}
	links = append(links, Link{Href: s.Href(s.collectionPath(id), fq("json")), Rel: RelCollection, Type: MediaJSON, Title: "the collection"})
	return links
}

// FeatureLinks returns the links of a single feature document.
func (s Service) FeatureLinks(id string, featureID any) []Link {
	p := s.collectionPath(id) + "/items/" + url.PathEscape(FeatureID(featureID))
	return []Link{
		{Href: s.Href(p, fq("json")), Rel: RelSelf, Type: MediaGeoJSON, Title: "this feature"},
		{Href: s.Href(p, fq("html")), Rel: RelAlternate, Type: MediaHTML, Title: "this feature as HTML"},
		{Href: s.Href(s.collectionPath(id), fq("json")), Rel: RelCollection, Type: MediaJSON, Title: "the collection"},
	}
}
