package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/sonla-gis/plantile/pkg/config"
)

func writeYAML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plantile.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.String("config", "", "")
	config.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestDefaultIsValid(t *testing.T) {
	if err := config.Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	c, err := config.Load("", flags(t))
	if err != nil {
		t.Fatal(err)
	}
	d := config.Default()
	if c.Listen != d.Listen || c.MaxAge != d.MaxAge || !slices.Equal(c.CORSOrigins, d.CORSOrigins) || c.AccessLog != d.AccessLog {
		t.Errorf("Load with nothing set = %+v, want the defaults %+v", c, d)
	}
}

// TestPrecedence: flag > environment > file > default, key by key.
func TestPrecedence(t *testing.T) {
	file := writeYAML(t, `
listen: 127.0.0.1:9001
tiles_dir: /from/file
public_url: https://file.example/plantile
max_age: 10m
cors_origins: [https://a.example, https://b.example]
tile_cache_mb: 7
`)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want func(c config.Config) (string, string) // got, want
	}{
		{"file over default", nil, nil, func(c config.Config) (string, string) { return c.Listen, "127.0.0.1:9001" }},
		{"file duration", nil, nil, func(c config.Config) (string, string) { return c.MaxAge.String(), (10 * time.Minute).String() }},
		{"file list", nil, nil, func(c config.Config) (string, string) { return c.CORSOrigins[1], "https://b.example" }},
		{"default kept", nil, nil, func(c config.Config) (string, string) {
			return c.RequestTimeout.String(), config.Default().RequestTimeout.String()
		}},
		{"env over file", map[string]string{"PLANTILE_LISTEN": "127.0.0.1:9002"}, nil, func(c config.Config) (string, string) { return c.Listen, "127.0.0.1:9002" }},
		{"env tiles dir", map[string]string{"PLANTILE_TILES_DIR": "/from/env"}, nil, func(c config.Config) (string, string) { return c.TilesDir, "/from/env" }},
		{"env public url", map[string]string{"PLANTILE_PUBLIC_URL": "http://env.example"}, nil, func(c config.Config) (string, string) { return c.PublicURL, "http://env.example" }},
		{"env list", map[string]string{"PLANTILE_CORS_ORIGINS": "https://x.example,https://y.example"}, nil, func(c config.Config) (string, string) { return c.CORSOrigins[1], "https://y.example" }},
		{"env int", map[string]string{"PLANTILE_TILE_CACHE_MB": "3"}, nil, func(c config.Config) (string, string) { return strconv.Itoa(c.TileCacheMB), "3" }},
		{"flag over env", map[string]string{"PLANTILE_LISTEN": "127.0.0.1:9002"}, []string{"--listen", "127.0.0.1:9003"}, func(c config.Config) (string, string) { return c.Listen, "127.0.0.1:9003" }},
		{"renamed flag", map[string]string{"PLANTILE_TILES_DIR": "/from/env"}, []string{"--tiles", "/from/flag"}, func(c config.Config) (string, string) { return c.TilesDir, "/from/flag" }},
		{"unset flag does not win", map[string]string{"PLANTILE_MAX_AGE": "30s"}, []string{"--listen", ":8080"}, func(c config.Config) (string, string) { return c.MaxAge.String(), "30s" }},
		{"flag list", nil, []string{"--cors-origin", "https://z.example"}, func(c config.Config) (string, string) { return c.CORSOrigins[0], "https://z.example" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := config.Load(file, flags(t, tt.args...))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.want(c); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *config.Config)
		key    string // the FieldError expected; "" for none
	}{
		{"default", func(*config.Config) {}, ""},
		{"all interfaces", func(c *config.Config) { c.Listen = ":8080" }, ""},
		{"no port", func(c *config.Config) { c.Listen = "localhost" }, "listen"},
		{"bad port", func(c *config.Config) { c.Listen = "127.0.0.1:http99" }, "listen"},
		{"port too big", func(c *config.Config) { c.Listen = ":70000" }, "listen"},
		{"public url ok", func(c *config.Config) { c.PublicURL = "https://gis.example/plantile" }, ""},
		{"public url relative", func(c *config.Config) { c.PublicURL = "/plantile" }, "public_url"},
		{"public url ftp", func(c *config.Config) { c.PublicURL = "ftp://gis.example" }, "public_url"},
		{"public url query", func(c *config.Config) { c.PublicURL = "https://gis.example/?a=1" }, "public_url"},
		{"basemap", func(c *config.Config) { c.BasemapURL = "tiles/{z}" }, "basemap_url"},
		{"negative max age", func(c *config.Config) { c.MaxAge = -time.Second }, "max_age"},
		{"no origins", func(c *config.Config) { c.CORSOrigins = nil }, "cors_origins"},
		{"origin with path", func(c *config.Config) { c.CORSOrigins = []string{"https://a.example/x"} }, "cors_origins"},
		{"origin list", func(c *config.Config) { c.CORSOrigins = []string{"https://a.example", "http://localhost:3000"} }, ""},
		{"zero write timeout", func(c *config.Config) { c.WriteTimeout = 0 }, "write_timeout"},
		{"request longer than write", func(c *config.Config) { c.RequestTimeout = time.Hour }, "request_timeout"},
		{"reload off", func(c *config.Config) { c.ReloadInterval = 0 }, ""},
		{"reload too fast", func(c *config.Config) { c.ReloadInterval = time.Millisecond }, "reload_interval"},
		{"negative cache", func(c *config.Config) { c.TileCacheMB = -1 }, "tile_cache_mb"},
		{"log level", func(c *config.Config) { c.LogLevel = "loud" }, "log_level"},
		{"log format", func(c *config.Config) { c.LogFormat = "xml" }, "log_format"},
		{"ogc limits", func(c *config.Config) { c.OGCDefaultLimit, c.OGCMaxLimit = 50, 500 }, ""},
		{"ogc default zero", func(c *config.Config) { c.OGCDefaultLimit = 0 }, "ogc_default_limit"},
		{"ogc default above max", func(c *config.Config) { c.OGCDefaultLimit, c.OGCMaxLimit = 600, 500 }, "ogc_default_limit"},
		{"ogc max too big", func(c *config.Config) { c.OGCMaxLimit = config.MaxOGCLimit + 1 }, "ogc_max_limit"},
		{"geojson decimals below -1", func(c *config.Config) { c.GeoJSONDecimals = -2 }, "geojson_decimals"},
		{"geojson decimals too many", func(c *config.Config) { c.GeoJSONDecimals = 16 }, "geojson_decimals"},
		{"sessions", func(c *config.Config) { c.SessionLifetime, c.MaxSessions = time.Minute, 10 }, ""},
		{"session too short", func(c *config.Config) { c.SessionLifetime = time.Millisecond }, "session_lifetime"},
		{"session too long", func(c *config.Config) { c.SessionLifetime = config.MaxSessionLifetime + time.Second }, "session_lifetime"},
		{"no sessions", func(c *config.Config) { c.MaxSessions = 0 }, "max_sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.change(&c)
			err := c.Validate()
			if tt.key == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var fe *config.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError", err)
			}
			if fe.Key != tt.key {
				t.Errorf("FieldError.Key = %q, want %q (%v)", fe.Key, tt.key, err)
			}
		})
	}
}

func TestValidateReportsAll(t *testing.T) {
	c := config.Default()
	c.Listen, c.LogFormat = "nope", "xml"
	err := c.Validate()
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *config.FieldError
		if errors.As(e, &fe) {
			keys = append(keys, fe.Key)
		}
	}
	if !slices.Equal(keys, []string{"listen", "log_format"}) {
		t.Errorf("keys = %v, want [listen log_format]", keys)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
	}{
		{"unknown key", "listne: :8080\n", nil},
		{"bad yaml", "listen: [\n", nil},
		{"bad duration", "max_age: soon\n", nil},
		{"invalid value", "log_level: loud\n", nil},
		{"invalid env", "", map[string]string{"PLANTILE_LOG_FORMAT": "xml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			file := ""
			if tt.file != "" {
				file = writeYAML(t, tt.file)
			}
			if _, err := config.Load(file, nil); err == nil {
				t.Fatal("Load succeeded, want an error")
			}
		})
	}
	if _, err := config.Load(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestKeys(t *testing.T) {
	ks := config.Keys()
	if !slices.Contains(ks, [2]string{"tiles_dir", "PLANTILE_TILES_DIR"}) || !slices.Contains(ks, [2]string{"listen", "PLANTILE_LISTEN"}) {
		t.Errorf("Keys() = %v", ks)
	}
}

// TestHardeningKeys: trusted_proxies, metrics_listen, max_tile_mb and
// reload_settle load from the file, the environment and flags, and bad
// values are refused by key.
func TestHardeningKeys(t *testing.T) {
	file := writeYAML(t, "trusted_proxies: [10.0.0.0/8, 192.168.1.7]\nmetrics_listen: 127.0.0.1:9090\nmax_tile_mb: 4\nreload_settle: 3s\n")
	c, err := config.Load(file, flags(t))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.TrustedProxies, []string{"10.0.0.0/8", "192.168.1.7"}) || c.MetricsListen != "127.0.0.1:9090" || c.MaxTileMB != 4 || c.ReloadSettle != 3*time.Second {
		t.Errorf("from file: %+v", c)
	}
	t.Setenv("PLANTILE_TRUSTED_PROXIES", "")
	if c, err = config.Load("", flags(t)); err != nil || len(c.TrustedProxies) != 0 {
		t.Errorf("empty environment variable: %v, %v (want nobody trusted)", c.TrustedProxies, err)
	}
	t.Setenv("PLANTILE_TRUSTED_PROXIES", "10.1.2.3,fd00::/8")
	if c, err = config.Load("", flags(t)); err != nil || !slices.Equal(c.TrustedProxies, []string{"10.1.2.3", "fd00::/8"}) {
		t.Errorf("environment list: %v, %v", c.TrustedProxies, err)
	}
	if c, err = config.Load("", flags(t, "--trusted-proxy", "172.16.0.0/12", "--metrics-listen", "off")); err != nil || !slices.Equal(c.TrustedProxies, []string{"172.16.0.0/12"}) || c.MetricsListen != "off" {
		t.Errorf("flags: %v %q, %v", c.TrustedProxies, c.MetricsListen, err)
	}
	for _, tt := range []struct {
		key string
		set func(*config.Config)
	}{
		{"trusted_proxies", func(c *config.Config) { c.TrustedProxies = []string{"10.0.0.0/33"} }},
		{"trusted_proxies", func(c *config.Config) { c.TrustedProxies = []string{"proxy.example"} }},
		{"metrics_listen", func(c *config.Config) { c.MetricsListen = "on" }},
		{"metrics_listen", func(c *config.Config) { c.MetricsListen = c.Listen }},
		{"max_tile_mb", func(c *config.Config) { c.MaxTileMB = 0 }},
		{"reload_settle", func(c *config.Config) { c.ReloadSettle = -time.Second }},
	} {
		c := config.Default()
		tt.set(&c)
		var fe *config.FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Key != tt.key {
			t.Errorf("%s: Validate() = %v", tt.key, err)
		}
	}
}

func TestTrustNobodyFromFile(t *testing.T) {
	c, err := config.Load(writeYAML(t, "trusted_proxies: []\n"), flags(t))
	if err != nil || len(c.TrustedProxies) != 0 {
		t.Errorf("trusted_proxies: [] gave %v, %v", c.TrustedProxies, err)
	}
}
