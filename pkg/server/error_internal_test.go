package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/config"
)

// TestErrorMapping: every kind gets its status and a problem document, and
// internal causes (paths, SQL, panics) never reach the client.
func TestErrorMapping(t *testing.T) {
	var logs strings.Builder
	reg := NewRegistry(t.TempDir(), RegistryOptions{})
	s, err := New(Options{Config: config.Default(), Tilesets: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	secret := "/srv/tiles/sonla.mbtiles: SELECT tile_data"
	tests := []struct {
		name   string
		h      handlerFunc
		status int
		logged bool
	}{
		{"invalid", func(http.ResponseWriter, *http.Request) error { return errorf(KindInvalid, "bad zoom") }, 400, false},
		{"not found", func(http.ResponseWriter, *http.Request) error { return errorf(KindNotFound, "no tileset") }, 404, false},
		{"wrapped kind", func(http.ResponseWriter, *http.Request) error {
			return fmt.Errorf("context: %w", errorf(KindNotFound, "no tileset"))
		}, 404, false},
		{"internal", func(http.ResponseWriter, *http.Request) error { return errors.New(secret) }, 500, true},
		{"internal with kind", func(http.ResponseWriter, *http.Request) error {
			return &Err{Kind: KindInternal, Detail: "x", Cause: errors.New(secret)}
		}, 500, true},
		{"panic", func(http.ResponseWriter, *http.Request) error { panic(secret) }, 500, true},
		{"timeout", func(_ http.ResponseWriter, r *http.Request) error {
			<-r.Context().Done()
			return r.Context().Err()
		}, 503, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			cfg := config.Default()
			cfg.RequestTimeout = 50 * time.Millisecond
			s.cfg = cfg
			ts := httptest.NewServer(s.handle("/test", tt.h))
			defer ts.Close()
			res, err := http.Get(ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %q, want %d", res.StatusCode, res.Header.Get("Content-Type"), tt.status)
			}
			var p Problem
			if err := json.Unmarshal(body, &p); err != nil || p.Status != tt.status || p.Detail == "" {
				t.Errorf("problem %s (%v)", body, err)
			}
			if strings.Contains(string(body), "SELECT") || strings.Contains(string(body), "/srv/") {
				t.Errorf("internal detail leaked: %s", body)
			}
			if got := strings.Contains(logs.String(), "SELECT tile_data"); got != tt.logged {
				t.Errorf("cause logged %v, want %v:\n%s", got, tt.logged, logs.String())
			}
		})
	}
}
