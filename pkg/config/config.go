package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// Config is everything `plantile serve` can be told. The mapstructure tags
// are the keys of the YAML file; the environment variable of a key is
// PLANTILE_ followed by the key in upper case (listen → PLANTILE_LISTEN).
type Config struct {
	// Listen is the TCP address to listen on. The default, 127.0.0.1:8080,
	// keeps a developer's demo off the network; set ":8080" (or
	// "0.0.0.0:8080") to serve other machines or from a container.
	Listen string `mapstructure:"listen"`
	// PublicURL is the absolute URL clients reach the server at, such as
	// https://gis.sonla.gov.vn/plantile. When set it is the base of every URL
	// the server writes (TileJSON tiles, style sources and glyphs); when
	// empty the base comes from each request's Host and X-Forwarded-* or
	// Forwarded headers.
	PublicURL string `mapstructure:"public_url"`
	// TilesDir is the directory of NAME.mbtiles tilesets. Empty serves the
	// Son La demo tilesets bundled in the binary.
	TilesDir string `mapstructure:"tiles_dir"`
	// DataDir is the catalog's data directory (pkg/catalog). When set (or
	// PLANTILE_DATA is), the served tilesets are the catalog layers'
	// current versions instead of TilesDir or the bundled demo, and an
	// empty catalog gets the bundled demo published into it.
	DataDir string `mapstructure:"data_dir"`
	// CacheDir is where the bundled tilesets are copied (SQLite needs a real
	// file). Empty means the user cache directory (os.UserCacheDir)/plantile.
	CacheDir string `mapstructure:"cache_dir"`
	// StylesDir overrides the MapLibre styles bundled in the binary.
	StylesDir string `mapstructure:"styles_dir"`
	// FontsDir overrides the glyph PBFs bundled in the binary: one
	// directory per font stack holding START-END.pbf files.
	FontsDir string `mapstructure:"fonts_dir"`
	// WebDir overrides the bundled web map (useful while editing it).
	WebDir string `mapstructure:"web_dir"`
	// BasemapURL is an optional basemap (raster XYZ template or style URL)
	// the web map shows under the planning layers.
	BasemapURL string `mapstructure:"basemap_url"`

	// MaxAge is the Cache-Control max-age of tiles and glyphs.
	MaxAge time.Duration `mapstructure:"max_age"`
	// CORSOrigins lists the origins allowed to fetch from the server; "*"
	// (the default) allows any.
	CORSOrigins []string `mapstructure:"cors_origins"`

	// ReadHeaderTimeout, WriteTimeout and IdleTimeout configure the HTTP
	// server; RequestTimeout bounds the work of one request (its context);
	// ShutdownTimeout is how long in-flight requests get to finish on stop.
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"`
	WriteTimeout      time.Duration `mapstructure:"write_timeout"`
	IdleTimeout       time.Duration `mapstructure:"idle_timeout"`
	RequestTimeout    time.Duration `mapstructure:"request_timeout"`
	ShutdownTimeout   time.Duration `mapstructure:"shutdown_timeout"`

	// ReloadInterval is how often the tiles directory is polled for new,
	// replaced and deleted tilesets; 0 disables polling (SIGHUP still
	// reloads).
	ReloadInterval time.Duration `mapstructure:"reload_interval"`
	// ReloadSettle is how long a changed tileset file must stay unchanged
	// before it is loaded (a file being copied in place keeps changing);
	// until then the previous version serves. 0 loads at once.
	ReloadSettle time.Duration `mapstructure:"reload_settle"`
	// TileCacheMB bounds the in-memory cache of tiles, in MiB; 0 disables it.
	TileCacheMB int `mapstructure:"tile_cache_mb"`
	// MaxTileMB bounds the decompressed size of a tile sent to a client
	// that does not accept gzip, in MiB; a larger tile is answered 406
	// (ask with Accept-Encoding: gzip) instead of being inflated in memory.
	MaxTileMB int `mapstructure:"max_tile_mb"`

	// TrustedProxies lists the IP addresses and CIDR ranges whose
	// Forwarded and X-Forwarded-* headers are believed (the reverse
	// proxies in front of the server). The default is loopback only, for a
	// proxy on the same machine; an empty list trusts nobody. Requests
	// from other addresses get URLs built from their Host header.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	// MetricsListen is where /metrics is served: "" on the main listener,
	// a host:port for a listener of its own (then not on the main one), or
	// "off" for nowhere.
	MetricsListen string `mapstructure:"metrics_listen"`

	// OGCDefaultLimit is the page size of OGC API - Features items when the
	// request gives no limit; OGCMaxLimit is the largest page served (a
	// larger limit is reduced to it, as the standard requires). Both are
	// declared in the OpenAPI document, where QGIS reads its page size.
	OGCDefaultLimit int `mapstructure:"ogc_default_limit"`
	OGCMaxLimit     int `mapstructure:"ogc_max_limit"`
	// GeoJSONDecimals is the most digits written after the point of a
	// coordinate in GeoJSON features (OGC items, /query/bbox): 9 (1e-9 of a
	// degree, about 0.1 mm, as PostGIS's ST_AsGeoJSON) by default; -1
	// writes the shortest decimal that reads back as the stored float64.
	GeoJSONDecimals int `mapstructure:"geojson_decimals"`

	// The upload API (/api, only when serving a catalog). UploadWorkers
	// publishes run at once; UploadQueue more wait (a full queue answers
	// 503 with Retry-After); MaxUploadMB bounds one upload's body (413
	// beyond); UploadTimeout bounds the time to receive one upload's body.
	UploadWorkers int           `mapstructure:"upload_workers"`
	UploadQueue   int           `mapstructure:"upload_queue"`
	MaxUploadMB   int           `mapstructure:"max_upload_mb"`
	UploadTimeout time.Duration `mapstructure:"upload_timeout"`
	// UploadBuildWorkers is how many CPUs one publish tiles with, so that
	// uploads leave the others to tile serving.
	UploadBuildWorkers int `mapstructure:"upload_build_workers"`
	// UploadMaxFeatures bounds the features of one uploaded layer, and
	// with them a publish's memory (feature.Limits.Features).
	UploadMaxFeatures int64 `mapstructure:"upload_max_features"`
	// UploadInvalid is the policy for self-intersecting polygons in
	// uploads: drop (leave them out, listed in the version's messages) or
	// fail (refuse the upload, listing them). UploadOutliers is the
	// policy for features far from the rest: report, refuse or keep.
	UploadInvalid  string `mapstructure:"upload_invalid"`
	UploadOutliers string `mapstructure:"upload_outliers"`
	// KeepVersions is how many published versions of each layer stay
	// available for rollback (catalog.Options.KeepVersions).
	KeepVersions int `mapstructure:"keep_versions"`
	// AuthFailuresPerMinute bounds failed authentications per client
	// address: a bucket of that many, refilled at that rate per minute;
	// an empty bucket answers 429 with Retry-After.
	AuthFailuresPerMinute int `mapstructure:"auth_failures_per_minute"`
	// APIAdminNetworks, when not empty, lists the IPs and CIDR ranges
	// from which admin credentials are accepted on /api; an admin token
	// from elsewhere is refused (403). Empty: from anywhere.
	APIAdminNetworks []string `mapstructure:"api_admin_networks"`

	// SessionLifetime is how long a web map sign-in lasts (from the
	// sign-in, not the last use); MaxSessions bounds the signed-in
	// browsers held in memory (a sign-in beyond it is refused with 503).
	SessionLifetime time.Duration `mapstructure:"session_lifetime"`
	MaxSessions     int           `mapstructure:"max_sessions"`

	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string `mapstructure:"log_level"`
	LogFormat string `mapstructure:"log_format"`
	// AccessLog logs one line per request at info level.
	AccessLog bool `mapstructure:"access_log"`
}

// MaxOGCLimit bounds ogc_max_limit: a page of that many features is built
// in memory before it is sent.
const MaxOGCLimit = 100000

// Bounds of session_lifetime and max_sessions: a session is a few hundred
// bytes of memory, and a sign-in should not outlive a working week.
const (
	MaxSessionLifetime = 7 * 24 * time.Hour
	MaxMaxSessions     = 1000000
)

// Default returns the configuration used when nothing is configured.
func Default() Config {
	return Config{
		Listen:                "127.0.0.1:8080",
		MaxAge:                time.Hour,
		CORSOrigins:           []string{"*"},
		ReadHeaderTimeout:     5 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		RequestTimeout:        10 * time.Second,
		ShutdownTimeout:       15 * time.Second,
		ReloadInterval:        2 * time.Second,
		ReloadSettle:          time.Second,
		TileCacheMB:           64,
		MaxTileMB:             16,
		OGCDefaultLimit:       100,
		OGCMaxLimit:           10000,
		GeoJSONDecimals:       geojson.DefaultDecimals,
		TrustedProxies:        []string{"127.0.0.0/8", "::1"},
		UploadWorkers:         1,
		UploadQueue:           16,
		MaxUploadMB:           256,
		UploadTimeout:         15 * time.Minute,
		UploadBuildWorkers:    1,
		UploadMaxFeatures:     1_000_000,
		UploadInvalid:         "drop",
		UploadOutliers:        "report",
		KeepVersions:          5,
		AuthFailuresPerMinute: 10,
		SessionLifetime:       8 * time.Hour,
		MaxSessions:           10000,
		LogLevel:              "info",
		LogFormat:             "text",
		AccessLog:             true,
	}
}

// FieldError reports one invalid configuration value.
type FieldError struct {
	Key    string // the configuration key, as in the YAML file
	Value  string // the offending value
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("config: %s %q: %s", e.Key, e.Value, e.Reason)
}

// Validate checks every field and returns all problems joined
// (errors.Join of *FieldError), or nil.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, value, reason string) {
		errs = append(errs, &FieldError{Key: key, Value: value, Reason: reason})
	}
	if host, port, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", c.Listen, "want host:port, such as 127.0.0.1:8080 or :8080")
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad("listen", c.Listen, "port must be a number from 0 to 65535")
	} else if strings.ContainsAny(host, " /") {
		bad("listen", c.Listen, "bad host")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil:
			bad("public_url", c.PublicURL, "not a URL")
		case u.Scheme != "http" && u.Scheme != "https":
			bad("public_url", c.PublicURL, "scheme must be http or https")
		case u.Host == "":
			bad("public_url", c.PublicURL, "missing host")
		case u.RawQuery != "" || u.Fragment != "":
			bad("public_url", c.PublicURL, "must not have a query or fragment")
		}
	}
	if c.BasemapURL != "" {
		if u, err := url.Parse(c.BasemapURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			bad("basemap_url", c.BasemapURL, "want an http or https URL")
		}
	}
	if c.MaxAge < 0 {
		bad("max_age", c.MaxAge.String(), "must not be negative")
	}
	if len(c.CORSOrigins) == 0 {
		bad("cors_origins", "", `list at least one origin, or "*"`)
	}
	for _, o := range c.CORSOrigins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("cors_origins", o, `want "*" or an origin such as https://example.org`)
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"read_header_timeout", c.ReadHeaderTimeout},
		{"write_timeout", c.WriteTimeout},
		{"idle_timeout", c.IdleTimeout},
		{"request_timeout", c.RequestTimeout},
		{"shutdown_timeout", c.ShutdownTimeout},
	} {
		if d.v <= 0 {
			bad(d.key, d.v.String(), "must be positive")
		}
	}
	if c.RequestTimeout > 0 && c.WriteTimeout > 0 && c.RequestTimeout > c.WriteTimeout {
		bad("request_timeout", c.RequestTimeout.String(), "must not exceed write_timeout ("+c.WriteTimeout.String()+")")
	}
	if c.ReloadInterval < 0 {
		bad("reload_interval", c.ReloadInterval.String(), "must not be negative (0 disables polling)")
	} else if c.ReloadInterval > 0 && c.ReloadInterval < 100*time.Millisecond {
		bad("reload_interval", c.ReloadInterval.String(), "must be at least 100ms")
	}
	if c.TileCacheMB < 0 {
		bad("tile_cache_mb", strconv.Itoa(c.TileCacheMB), "must not be negative (0 disables the cache)")
	}
	if c.ReloadSettle < 0 {
		bad("reload_settle", c.ReloadSettle.String(), "must not be negative (0 loads a changed file at once)")
	}
	if c.MaxTileMB <= 0 || c.MaxTileMB > 1024 {
		bad("max_tile_mb", strconv.Itoa(c.MaxTileMB), "must be from 1 to 1024")
	}
	if c.OGCMaxLimit < 1 || c.OGCMaxLimit > MaxOGCLimit {
		bad("ogc_max_limit", strconv.Itoa(c.OGCMaxLimit), fmt.Sprintf("must be from 1 to %d", MaxOGCLimit))
	}
	if c.GeoJSONDecimals < -1 || c.GeoJSONDecimals > geojson.MaxDecimals {
		bad("geojson_decimals", strconv.Itoa(c.GeoJSONDecimals), fmt.Sprintf("must be from 0 to %d, or -1 for the shortest exact decimals", geojson.MaxDecimals))
	}
	if c.OGCDefaultLimit < 1 || c.OGCDefaultLimit > c.OGCMaxLimit {
		bad("ogc_default_limit", strconv.Itoa(c.OGCDefaultLimit), "must be from 1 to ogc_max_limit")
	}
	for _, p := range c.TrustedProxies {
		if _, err := ParsePrefix(p); err != nil {
			bad("trusted_proxies", p, "want an IP address or a CIDR range such as 10.0.0.0/8")
		}
	}
	switch c.MetricsListen {
	case "", "off":
	default:
		if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil {
			bad("metrics_listen", c.MetricsListen, `want "", "off" or host:port such as 127.0.0.1:9090`)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			bad("metrics_listen", c.MetricsListen, "port must be a number from 0 to 65535")
		} else if c.MetricsListen == c.Listen && p != 0 {
			bad("metrics_listen", c.MetricsListen, "must differ from listen (use \"\" to serve metrics there)")
		}
	}
	c.validateUploads(bad)
	if c.SessionLifetime < time.Second || c.SessionLifetime > MaxSessionLifetime {
		bad("session_lifetime", c.SessionLifetime.String(), "must be from 1s to "+MaxSessionLifetime.String())
	}
	if c.MaxSessions < 1 || c.MaxSessions > MaxMaxSessions {
		bad("max_sessions", strconv.Itoa(c.MaxSessions), fmt.Sprintf("must be from 1 to %d", MaxMaxSessions))
	}
	if _, err := c.Level(); err != nil {
		bad("log_level", c.LogLevel, "want debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log_format", c.LogFormat, "want text or json")
	}
	return errors.Join(errs...)
}

// ParsePrefix parses a trusted_proxies entry: a CIDR range, or one IP
// address (a range of one).
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("config: %w", err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("config: %w", err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Level returns LogLevel as a slog.Level.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(c.LogLevel))
	return l, err
}

// MaxUploadWorkers bounds upload_workers and upload_build_workers.
const MaxUploadWorkers = 64

// validateUploads checks the upload API's keys.
func (c Config) validateUploads(bad func(key, value, reason string)) {
	itoa := strconv.Itoa
	if c.UploadWorkers < 1 || c.UploadWorkers > MaxUploadWorkers {
		bad("upload_workers", itoa(c.UploadWorkers), fmt.Sprintf("must be from 1 to %d", MaxUploadWorkers))
	}
	if c.UploadQueue < 0 || c.UploadQueue > 10000 {
		bad("upload_queue", itoa(c.UploadQueue), "must be from 0 to 10000")
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 1<<20 {
		bad("max_upload_mb", itoa(c.MaxUploadMB), "must be from 1 to 1048576")
	}
	if c.UploadTimeout <= 0 {
		bad("upload_timeout", c.UploadTimeout.String(), "must be positive")
	}
	if c.UploadBuildWorkers < 1 || c.UploadBuildWorkers > MaxUploadWorkers {
		bad("upload_build_workers", itoa(c.UploadBuildWorkers), fmt.Sprintf("must be from 1 to %d", MaxUploadWorkers))
	}
	if c.UploadMaxFeatures < 1 {
		bad("upload_max_features", strconv.FormatInt(c.UploadMaxFeatures, 10), "must be at least 1")
	}
	if c.UploadInvalid != "drop" && c.UploadInvalid != "fail" {
		bad("upload_invalid", c.UploadInvalid, "want drop or fail")
	}
	switch c.UploadOutliers {
	case "report", "refuse", "keep":
	default:
		bad("upload_outliers", c.UploadOutliers, "want report, refuse or keep")
	}
	if c.KeepVersions < 1 || c.KeepVersions > 1000 {
		bad("keep_versions", itoa(c.KeepVersions), "must be from 1 to 1000")
	}
	if c.AuthFailuresPerMinute < 1 || c.AuthFailuresPerMinute > 100000 {
		bad("auth_failures_per_minute", itoa(c.AuthFailuresPerMinute), "must be from 1 to 100000")
	}
	for _, p := range c.APIAdminNetworks {
		if _, err := ParsePrefix(p); err != nil {
			bad("api_admin_networks", p, "want an IP address or a CIDR range such as 10.0.0.0/8")
		}
	}
}
