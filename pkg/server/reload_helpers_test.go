package server_test

import (
	"context"
	"io"
	"os"
	"testing"
)

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func reload(t *testing.T, e *env) {
	t.Helper()
	if err := e.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
}
