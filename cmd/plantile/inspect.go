package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paulmach/orb"
	"github.com/spf13/cobra"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ingest"
)

// maxReasons is how many invalid-geometry reasons inspect lists per layer.
const maxReasons = 5

// layerReport is what inspect prints for one layer; the JSON form is for
// scripts, so its field names are part of the interface.
type layerReport struct {
	Name           string          `json:"name"`
	Source         string          `json:"source"`
	GeometryType   string          `json:"geometry_type"`
	HasZ           bool            `json:"has_z"`
	Features       int64           `json:"features"`
	CRS            string          `json:"crs"`
	EPSG           int             `json:"epsg,omitempty"`
	CRSFrom        string          `json:"crs_from"`
	Transformation string          `json:"transformation"`
	SourceBounds   *[4]float64     `json:"source_bounds"`
	WGS84Bounds    *[4]float64     `json:"wgs84_bounds"`
	Fields         []feature.Field `json:"fields"`
	Encoding       string          `json:"encoding,omitempty"`
	// EncodingDetection says why and how surely a shapefile's text
	// encoding was guessed, when nothing named it.
	EncodingDetection *feature.EncodingDetection `json:"encoding_detection,omitempty"`
	Empty             int64                      `json:"empty_geometries"`
	Invalid           int64                      `json:"invalid_geometries"`
	Reasons           []string                   `json:"invalid_reasons,omitempty"`
	// Outliers are features outside Vietnam or far from the rest of the
	// layer (see ingest.OutlierDetector): the count, the first rows and
	// a hint about the CRS.
	Outliers    int              `json:"outliers"`
	OutlierRows []ingest.Outlier `json:"outlier_rows,omitempty"`
	OutlierHint string           `json:"outlier_hint,omitempty"`
	Warnings    []string         `json:"warnings,omitempty"`
}

func newInspectCmd() *cobra.Command {
	var opts ingest.Options
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect PATH...",
		Short: "Describe the layers of shapefiles, folders, zips and GeoJSON files",
		Long: `inspect reads every feature of every layer at each PATH (a .shp, a folder,
a .zip of shapefiles, or a GeoJSON file) and prints its name, geometry type,
feature count, the source CRS as recognised and the transformation used,
bounds in the source CRS and in WGS 84, fields with types, the text encoding
(and, when it was detected, why, how surely, and a value before and after
decoding), the empty or invalid geometries with the first reasons, and the outliers:
features outside Vietnam or far from the rest of their layer, with a hint
about the CRS. The --max-* flags set the reading limits (see the README).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var reports []layerReport
			for _, path := range args {
				rs, err := inspectPath(cmd.Context(), path, opts)
				if err != nil {
					return oneLine(err)
				}
				reports = append(reports, rs...)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(reports)
			}
			for i, r := range reports {
				if i > 0 {
					fmt.Fprintln(out)
				}
				printReport(out, r)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	cmd.Flags().StringVar(&opts.SrcCRS, "src-crs", "", "source CRS when the data has none or a wrong one (EPSG:9206, PROJ string, WKT)")
	cmd.Flags().StringVar(&opts.Encoding, "encoding", "", "attribute text encoding of shapefiles (UTF-8, windows-1258, tcvn3, vni, windows-1252...), overriding .cpg, LDID and detection")
	addLimitFlags(cmd.Flags(), &opts.Limits)
	return cmd
}

// oneLine flattens an error to one line, as inspect promises.
func oneLine(err error) error {
	return errors.New(strings.Join(strings.Fields(err.Error()), " "))
}

func inspectPath(ctx context.Context, path string, opts ingest.Options) ([]layerReport, error) {
	layers, err := ingest.Open(path, opts)
	if err != nil {
		return nil, err
	}
	reports := make([]layerReport, 0, len(layers))
	for _, l := range layers {
		r, err := inspectLayer(ctx, l)
		if err != nil {
			return nil, err
		}
		reports = append(reports, r)
	}
	return reports, nil
}

func inspectLayer(ctx context.Context, l *ingest.Layer) (layerReport, error) {
	info := l.Info()
	rep := layerReport{
		Name:              info.Name,
		Source:            info.Source,
		GeometryType:      info.GeometryType,
		HasZ:              info.HasZ,
		CRS:               l.CRS.Name,
		EPSG:              l.CRS.EPSG,
		CRSFrom:           l.CRSFrom,
		Fields:            info.Schema.Fields,
		Encoding:          info.Encoding,
		EncodingDetection: info.EncodingDetection,
		Warnings:          append(info.Warnings, l.CRS.Warnings...),
	}
	if rep.Fields == nil {
		rep.Fields = []feature.Field{}
	}
	r, err := l.Features(ctx)
	if err != nil {
		return rep, err
	}
	defer r.Close()
	var wgs orb.Bound
	seen := false
	outliers := ingest.NewOutlierDetector(info.Source)
	for {
		f, err := r.Read()
		if f == nil {
			if err == io.EOF {
				break
			}
			return rep, err
		}
		rep.Features++
		switch {
		case err != nil:
			rep.Invalid++
			if len(rep.Reasons) < maxReasons {
				rep.Reasons = append(rep.Reasons, err.Error())
			}
		case f.Geometry == nil:
			rep.Empty++
		default:
			outliers.Add(f)
			if b := f.Geometry.Bound(); seen {
				wgs = wgs.Union(b)
			} else {
				wgs, seen = b, true
			}
		}
	}
	if seen {
		rep.WGS84Bounds = &[4]float64{wgs.Min[0], wgs.Min[1], wgs.Max[0], wgs.Max[1]}
	}
	out := outliers.Result(maxReasons)
	rep.Outliers, rep.OutlierRows, rep.OutlierHint = out.Total, out.Rows, out.Hint
	if b, ok := r.SourceBound(); ok {
		rep.SourceBounds = &[4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	rep.Transformation = l.CRS.Transformation
	if rep.Transformation == "" {
		rep.Transformation = r.Transformation()
	}
	return rep, nil
}

func printReport(w io.Writer, r layerReport) {
	fmt.Fprintf(w, "Layer:          %s\n", r.Name)
	fmt.Fprintf(w, "Source:         %s\n", r.Source)
	geom := r.GeometryType
	if r.HasZ {
		geom += " (Z dropped)"
	}
	fmt.Fprintf(w, "Geometry:       %s\n", geom)
	fmt.Fprintf(w, "Features:       %d\n", r.Features)
	crsName := r.CRS
	if r.EPSG != 0 {
		crsName += fmt.Sprintf(" (EPSG:%d)", r.EPSG)
	}
	fmt.Fprintf(w, "CRS:            %s [%s]\n", crsName, r.CRSFrom)
	fmt.Fprintf(w, "Transformation: %s\n", r.Transformation)
	prec := 3 // metres to the millimetre
	if r.EPSG == 4326 || r.SourceBounds != nil && r.WGS84Bounds != nil && *r.SourceBounds == *r.WGS84Bounds {
		prec = 7
	}
	fmt.Fprintf(w, "Source bounds:  %s\n", fmtBounds(r.SourceBounds, prec))
	fmt.Fprintf(w, "WGS 84 bounds:  %s\n", fmtBounds(r.WGS84Bounds, 7))
	if r.Encoding != "" {
		fmt.Fprintf(w, "Encoding:       %s\n", r.Encoding)
	}
	if d := r.EncodingDetection; d != nil {
		printDetection(w, d)
	}
	fmt.Fprintf(w, "Fields:         %d\n", len(r.Fields))
	for _, f := range r.Fields {
		decl := ""
		if f.Width > 0 {
			decl = fmt.Sprintf(" (%d", f.Width)
			if f.Decimals > 0 {
				decl += fmt.Sprintf(".%d", f.Decimals)
			}
			decl += ")"
		}
		fmt.Fprintf(w, "  %-12s %s%s\n", f.Name, f.Type, decl)
	}
	fmt.Fprintf(w, "Empty geometries:   %d\n", r.Empty)
	fmt.Fprintf(w, "Invalid geometries: %d\n", r.Invalid)
	for _, s := range r.Reasons {
		fmt.Fprintf(w, "  %s\n", s)
	}
	fmt.Fprintf(w, "Outliers:           %d\n", r.Outliers)
	for _, o := range r.OutlierRows {
		fmt.Fprintf(w, "  record %d: %s\n", o.Row, o.Reason)
	}
	if r.Outliers > len(r.OutlierRows) {
		fmt.Fprintf(w, "  ... and %d more\n", r.Outliers-len(r.OutlierRows))
	}
	if r.OutlierHint != "" {
		fmt.Fprintf(w, "  hint: %s\n", r.OutlierHint)
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", s)
	}
}

// printDetection shows why an encoding was detected, so that a person can
// check it: the reason, the confidence, a value before and after, and how
// each candidate read the words.
func printDetection(w io.Writer, d *feature.EncodingDetection) {
	fmt.Fprintf(w, "  Why:          %s\n", d.Reason)
	fmt.Fprintf(w, "  Confidence:   %.2f (%s)\n", d.Confidence, d.Level)
	if d.Before != "" {
		fmt.Fprintf(w, "  Sample:       %s: %q -> %q\n", d.Field, d.Before, d.After)
	}
	var cands []string
	for _, c := range d.Candidates {
		cands = append(cands, fmt.Sprintf("%s %d/%d", c.Encoding, c.Valid, c.Words))
	}
	if len(cands) > 0 {
		fmt.Fprintf(w, "  Candidates:   %s (words read as Vietnamese syllables; windows-1252: as Latin words)\n", strings.Join(cands, ", "))
	}
}

func fmtBounds(b *[4]float64, prec int) string {
	if b == nil {
		return "none (no geometry)"
	}
	return fmt.Sprintf("%.*f, %.*f .. %.*f, %.*f", prec, b[0], prec, b[1], prec, b[2], prec, b[3])
}
