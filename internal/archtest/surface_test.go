package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestPublicSurfaceMentionsNoInternalType walks every exported function,
// method, type, field, variable and constant of the module's public
// packages and reports those whose declared types name a type from an
// internal package.
func TestPublicSurfaceMentionsNoInternalType(t *testing.T) {
	found := map[string]bool{}
	for _, pkg := range listPackages(t) {
		r, ok := rel(pkg.ImportPath)
		if !ok || strings.HasPrefix(r, "internal/") || strings.HasPrefix(r, "cmd/") || r == "internal" {
			continue
		}
		dir := filepath.Join("..", "..", filepath.FromSlash(r))
		for _, leak := range internalLeaks(t, dir) {
			found[r+"."+leak] = true
		}
	}
	var leaks []string
	for k := range found {
		leaks = append(leaks, k)
	}
	sort.Strings(leaks)
	for _, k := range leaks {
		t.Errorf("%s mentions an internal package's type: a user's module cannot use it; use a public type (sim/ftp, sim/pki) or unexport it", k)
	}
}

// internalLeaks parses the non-test Go files of dir and returns the
// exported names whose declarations mention an internal package.
func internalLeaks(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		internal := map[string]bool{} // local names of internal imports
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(path, module+"/internal/") {
				continue
			}
			local := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			internal[local] = true
		}
		if len(internal) == 0 {
			continue
		}
		mentions := func(n ast.Node) bool {
			hit := false
			ast.Inspect(n, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && internal[id.Name] {
						hit = true
					}
				}
				return !hit
			})
			return hit
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
					continue
				}
				if mentions(d.Type) {
					out = append(out, funcName(d))
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() || s.Assign.IsValid() {
							continue // an alias gives users the type under a public name
						}
						for _, leak := range typeLeaks(s.Type, mentions) {
							out = append(out, s.Name.Name+leak)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Type != nil && mentions(s.Type) {
								out = append(out, n.Name)
							}
						}
					}
				}
			}
		}
	}
	return out
}

// typeLeaks returns "" when a type's definition mentions an internal type
// outside struct and interface bodies, ".Field" for each exported field or
// method that does.
func typeLeaks(x ast.Expr, mentions func(ast.Node) bool) []string {
	var out []string
	members := func(fl *ast.FieldList) {
		for _, f := range fl.List {
			for _, n := range f.Names {
				if n.IsExported() && mentions(f.Type) {
					out = append(out, "."+n.Name)
				}
			}
			if len(f.Names) == 0 && mentions(f.Type) { // embedded
				out = append(out, ".(embedded)")
			}
		}
	}
	switch x := x.(type) {
	case *ast.StructType:
		members(x.Fields)
	case *ast.InterfaceType:
		members(x.Methods)
	default:
		if mentions(x) {
			out = append(out, "")
		}
	}
	return out
}

func exportedRecv(fl *ast.FieldList) bool {
	x := fl.List[0].Type
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	if ix, ok := x.(*ast.IndexExpr); ok {
		x = ix.X
	}
	id, ok := x.(*ast.Ident)
	return ok && id.IsExported()
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil {
		return d.Name.Name
	}
	x := d.Recv.List[0].Type
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	if ix, ok := x.(*ast.IndexExpr); ok {
		x = ix.X
	}
	return x.(*ast.Ident).Name + "." + d.Name.Name
}

// TestInternalLeaksCatchesPlanted proves the walk sees a leak in a
// function, a field, a method and a variable, and not in an alias or an
// unexported name.
// The planted source imports made-up internal packages: the walk reads
// syntax only, so they need not exist.
func TestInternalLeaksCatchesPlanted(t *testing.T) {
	dir := t.TempDir()
	src := `package p

import (
	"io"

	ftp "` + module + `/internal/wire"
	certs "` + module + `/internal/certs"
)

type Alias = ftp.PortRange

type S struct {
	Public  *certs.Authority
	private ftp.Reply
	Fine    io.Reader
}

func F(r ftp.Reply) {}
func (S) M() ftp.Reply { return ftp.Reply{} }
func (s *S) ok() ftp.Reply { return s.private }
func G(io.Reader) {}

var V ftp.Transcript
`
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := internalLeaks(t, dir)
	sort.Strings(got)
	want := []string{"F", "S.M", "S.Public", "V"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("leaks %v, want %v", got, want)
	}
}
