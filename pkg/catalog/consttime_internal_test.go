package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestSecretsComparedInConstantTime reads the package's source: secretEqual
// must be subtle.ConstantTimeCompare, Authenticate and checkPassword must
// call it, and no == or != may involve a hash, secret, password or key,
// nor bytes.Equal anything. A refactoring that compares a secret with a
// plain comparison fails here.
func TestSecretsComparedInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]map[string]bool{} // function -> callees
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			callees := map[string]bool{}
			calls[fn.Name.Name] = callees
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					switch f := n.Fun.(type) {
					case *ast.Ident:
						callees[f.Name] = true
					case *ast.SelectorExpr:
						if x, ok := f.X.(*ast.Ident); ok {
							callees[x.Name+"."+f.Sel.Name] = true
						}
					}
				case *ast.BinaryExpr:
					if n.Op == token.EQL || n.Op == token.NEQ {
						for _, side := range []ast.Expr{n.X, n.Y} {
							if id, ok := side.(*ast.Ident); ok && sensitive(id.Name) {
								t.Errorf("%s: %s compares %s with %s", fset.Position(n.Pos()), fn.Name.Name, id.Name, n.Op)
							}
						}
					}
				}
				return true
			})
			if callees["bytes.Equal"] {
				t.Errorf("%s uses bytes.Equal (not constant-time)", fn.Name.Name)
			}
		}
	}
	if !calls["secretEqual"]["subtle.ConstantTimeCompare"] {
		t.Error("secretEqual does not use subtle.ConstantTimeCompare")
	}
	for _, fn := range []string{"Authenticate", "checkPassword"} {
		if !calls[fn]["secretEqual"] {
			t.Errorf("%s does not compare with secretEqual", fn)
		}
	}
}

func sensitive(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"hash", "secret", "password", "key", "want", "got"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
