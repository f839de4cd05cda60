package config

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix prefixes the environment variable of every key:
// PLANTILE_LISTEN, PLANTILE_TILES_DIR, PLANTILE_PUBLIC_URL, ...
const EnvPrefix = "PLANTILE"

// flagKeys maps command line flag names to configuration keys; flags not
// listed here use the key with "_" replaced by "-".
var flagKeys = map[string]string{
	"tiles":             "tiles_dir",
	"data":              "data_dir",
	"styles":            "styles_dir",
	"fonts":             "fonts_dir",
	"web":               "web_dir",
	"cors-origin":       "cors_origins",
	"trusted-proxy":     "trusted_proxies",
	"api-admin-network": "api_admin_networks",
}

// AddFlags declares the serve flags on fs, with the defaults of Default.
// Load gives a flag precedence over the environment and the file only when
// it was set on the command line.
func AddFlags(fs *pflag.FlagSet) {
	d := Default()
	fs.String("listen", d.Listen, "address to listen on (host:port; \":8080\" for all interfaces)")
	fs.String("public-url", d.PublicURL, "absolute URL clients reach the server at (default: from each request)")
	fs.String("tiles", d.TilesDir, "directory of NAME.mbtiles tilesets (default: the bundled Son La demo)")
	fs.String("data", d.DataDir, "catalog data directory: serve its layers' current versions (also $PLANTILE_DATA)")
	fs.String("cache-dir", d.CacheDir, "where the bundled tilesets are unpacked (default: user cache dir)")
	fs.String("styles", d.StylesDir, "directory of MapLibre style JSON files overriding the bundled ones")
	fs.String("fonts", d.FontsDir, "directory of glyph PBFs (FONTSTACK/START-END.pbf) overriding the bundled ones")
	fs.String("web", d.WebDir, "directory overriding the bundled web map")
	fs.String("basemap-url", d.BasemapURL, "basemap URL for the web map")
	fs.Duration("max-age", d.MaxAge, "Cache-Control max-age of tiles")
	fs.StringSlice("cors-origin", d.CORSOrigins, "origins allowed by CORS (repeat or comma-separate; * for any)")
	fs.Duration("request-timeout", d.RequestTimeout, "time limit of one request")
	fs.Duration("reload-interval", d.ReloadInterval, "how often the tiles directory is polled (0: only on SIGHUP)")
	fs.Duration("reload-settle", d.ReloadSettle, "how long a changed tileset must stay unchanged before it is loaded")
	fs.Int("tile-cache-mb", d.TileCacheMB, "in-memory tile cache size in MiB (0: off)")
	fs.Int("max-tile-mb", d.MaxTileMB, "largest decompressed tile sent to clients without gzip, in MiB")
	fs.Int("ogc-default-limit", d.OGCDefaultLimit, "OGC API - Features page size when the request gives no limit")
	fs.Int("ogc-max-limit", d.OGCMaxLimit, "largest OGC API - Features page (larger limits are reduced to it)")
	fs.Int("geojson-decimals", d.GeoJSONDecimals, "most digits after the point of GeoJSON coordinates (-1: the shortest exact decimals)")
	fs.StringSlice("trusted-proxy", d.TrustedProxies, "IPs or CIDRs whose Forwarded/X-Forwarded-* headers are believed (repeat or comma-separate)")
	fs.String("metrics-listen", d.MetricsListen, `where /metrics is served: "" main listener, host:port its own, "off" nowhere`)
	fs.Int("upload-workers", d.UploadWorkers, "uploads published at once (the upload API)")
	fs.Int("upload-queue", d.UploadQueue, "uploads waiting beyond those (a full queue answers 503)")
	fs.Int("max-upload-mb", d.MaxUploadMB, "largest upload body in MiB (413 beyond)")
	fs.Int("keep-versions", d.KeepVersions, "published versions of each layer kept for rollback")
	fs.StringSlice("api-admin-network", d.APIAdminNetworks, "IPs or CIDRs admin tokens are accepted from on /api (default: anywhere)")
	fs.Duration("session-lifetime", d.SessionLifetime, "how long a web map sign-in lasts")
	fs.Int("max-sessions", d.MaxSessions, "most signed-in web map sessions held at once")
	fs.String("log-level", d.LogLevel, "debug, info, warn or error")
	fs.String("log-format", d.LogFormat, "text or json")
	fs.Bool("access-log", d.AccessLog, "log every request")
}

// Load builds a Config from, lowest precedence first: Default, the YAML
// file (when file is not empty), PLANTILE_* environment variables, and the
// flags of fs that were set (fs may be nil). It rejects unknown keys in the
// file and returns the result of Validate.
func Load(file string, fs *pflag.FlagSet) (Config, error) {
	v := viper.New()
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	v.AutomaticEnv()
	d := Default()
	for _, key := range keys() {
		// A default per key is also what makes AutomaticEnv see the key
		// during Unmarshal.
		v.SetDefault(key, fieldByKey(d, key))
	}
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("config: read %s: %w", file, err)
		}
	}
	if fs != nil {
		var err error
		fs.VisitAll(func(f *pflag.Flag) {
			key, ok := flagKeys[f.Name]
			if !ok {
				key = strings.ReplaceAll(f.Name, "-", "_")
			}
			if fieldByKey(d, key) == nil {
				return // a flag of the command that is not configuration (--config)
			}
			if berr := v.BindPFlag(key, f); berr != nil && err == nil {
				err = berr
			}
		})
		if err != nil {
			return Config{}, fmt.Errorf("config: flags: %w", err)
		}
	}
	var c Config
	if err := v.UnmarshalExact(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	// An environment variable set to "" yields an empty list; treat a
	// single empty origin as no origin so Validate names the problem.
	if len(c.CORSOrigins) == 1 && strings.TrimSpace(c.CORSOrigins[0]) == "" {
		c.CORSOrigins = nil
	}
	for i, o := range c.CORSOrigins {
		c.CORSOrigins[i] = strings.TrimSpace(o)
	}
	// PLANTILE_TRUSTED_PROXIES="" trusts nobody (viper ignores empty
	// variables, which would leave the default), unless the flag is set.
	if v, ok := os.LookupEnv(EnvPrefix + "_TRUSTED_PROXIES"); ok && strings.TrimSpace(v) == "" && (fs == nil || !fs.Changed("trusted-proxy")) {
		c.TrustedProxies = nil
	}
	c.TrustedProxies = slices.DeleteFunc(c.TrustedProxies, func(s string) bool { return strings.TrimSpace(s) == "" })
	c.APIAdminNetworks = slices.DeleteFunc(c.APIAdminNetworks, func(s string) bool { return strings.TrimSpace(s) == "" })
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// keys lists the configuration keys, from the mapstructure tags.
func keys() []string {
	t := reflect.TypeFor[Config]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		out = append(out, t.Field(i).Tag.Get("mapstructure"))
	}
	return out
}

// fieldByKey returns the value of the field tagged key in c, or nil.
func fieldByKey(c Config, key string) any {
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("mapstructure") == key {
			return reflect.ValueOf(c).Field(i).Interface()
		}
	}
	return nil
}

// Keys returns the configuration keys with their environment variables, in
// declaration order, for documentation and `plantile serve --help`.
func Keys() [][2]string {
	ks := keys()
	out := make([][2]string, len(ks))
	for i, k := range ks {
		out[i] = [2]string{k, EnvPrefix + "_" + strings.ToUpper(k)}
	}
	return out
}
