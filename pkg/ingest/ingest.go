package ingest

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source"
)

// Options tune how layers are opened.
type Options struct {
	// SrcCRS names the source CRS ("EPSG:9206", a PROJ string, WKT). It
	// wins over the CRS found with the data.
	SrcCRS string
	// Encoding overrides the attribute text encoding of shapefiles.
	Encoding string
	// Workers is the number of reprojection goroutines; 0 means one per
	// CPU.
	Workers int
	// Limits bound what reading costs (see feature.Limits); zero fields
	// are the defaults. The readers apply the file-level ones; Layer's
	// reader applies BadRecords and Vertices.
	Limits feature.Limits
	// RequireDBF refuses a shapefile set without its .dbf.
	RequireDBF bool
}

// Layer is a source layer with its CRS decided.
type Layer struct {
	source.Layer
	// CRS is the source CRS. When the data came with none and the user
	// named none, it is WGS 84 and Assumed is true: Features then fails
	// on the first feature whose coordinates are not degrees.
	CRS     *crs.CRS
	Assumed bool
	// CRSFrom says where CRS came from: "--src-crs", ".prj", "GeoJSON crs
	// member", "GeoJSON default (RFC 7946)" or "no .prj: WGS 84 assumed".
	CRSFrom string
	opts    Options
}

// Open opens the layers at path (see source.Open) and decides their CRS.
func Open(path string, opts Options) ([]*Layer, error) {
	var user *crs.CRS
	if opts.SrcCRS != "" {
		c, err := crs.Parse(opts.SrcCRS)
		if err != nil {
			return nil, fmt.Errorf("ingest: --src-crs %q: %w", opts.SrcCRS, err)
		}
		user = c
	}
	opts.Limits = opts.Limits.OrDefault()
	srcs, err := source.Open(path, source.Options{Encoding: opts.Encoding, Limits: opts.Limits, RequireDBF: opts.RequireDBF})
	if err != nil {
		return nil, err
	}
	layers := make([]*Layer, 0, len(srcs))
	for _, s := range srcs {
		l := &Layer{Layer: s, opts: opts}
		info := s.Info()
		switch {
		case user != nil:
			l.CRS, l.CRSFrom = user, "--src-crs"
		case info.CRS != "":
			c, err := crs.Parse(info.CRS)
			if err != nil {
				return nil, &feature.Error{File: info.Source, Reason: "unrecognised CRS (name it with --src-crs)", Err: err}
			}
			l.CRS, l.CRSFrom = c, crsOrigin(info)
		case strings.HasSuffix(strings.ToLower(info.Source), ".shp"):
			l.CRS, l.Assumed, l.CRSFrom = crs.WGS84(), true, "no .prj: WGS 84 assumed"
		default:
			l.CRS, l.Assumed, l.CRSFrom = crs.WGS84(), true, "GeoJSON default (RFC 7946)"
		}
		layers = append(layers, l)
	}
	return layers, nil
}

func crsOrigin(info feature.LayerInfo) string {
	if strings.HasSuffix(strings.ToLower(info.Source), ".shp") {
		return ".prj"
	}
	return "GeoJSON crs member"
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}
