package catalog_test

import (
	"context"
	"testing"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// BenchmarkAuthenticate: the cost of checking a bearer token on a request
// (one indexed read, SHA-256, a constant-time compare; the last-use write
// happens at most once a minute).
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	c, err := catalog.Open(b.TempDir(), catalog.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	_, secret, err := c.AddToken(ctx, catalog.System("bench"), "", true, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Authenticate(ctx, secret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogin: a sign-in with the default argon2id cost, which sets how
// many concurrent sign-ins the server can afford (memory per sign-in:
// DefaultPasswordMemoryKiB).
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	c, err := catalog.Open(b.TempDir(), catalog.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	by := catalog.System("bench")
	if _, err := c.AddOrg(ctx, by, "demo", "Demo", catalog.KindOther); err != nil {
		b.Fatal(err)
	}
	const pw = "mật khẩu dài lắm"
	if _, err := c.AddUser(ctx, by, "demo", "demo", pw); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Login(ctx, "demo", pw); err != nil {
			b.Fatal(err)
		}
	}
}
