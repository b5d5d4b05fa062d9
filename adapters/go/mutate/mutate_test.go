package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const sample = `package sample

import (
	"errors"
	"fmt"
	"os"
)

const mode = 0o600

type entry struct {
	Name string ` + "`json:\"name\"`" + `
}

func write(path string, data []byte) error {
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return os.Chmod(path, 0o700)
}

func check(n int, ok bool) (string, error) {
	if n < 1 && !ok {
		return "", errors.New("bad")
	}
	n++
	return "fine", nil
}
`

// changes renders mutants as "operator: original -> replacement", sorted.
func changes(ms []Mutant) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Func+" "+m.Operator+": "+strings.TrimSpace(m.Original)+" -> "+m.Replacement)
	}
	sort.Strings(out)
	return out
}

func TestOperatorsOnSample(t *testing.T) {
	ms, _, err := FileMutants("sample.go", []byte(sample), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := changes(ms)
	want := []string{
		" mode-const: 0o600 -> 0o644",
		"check boundary: < -> <=",
		"check flip-logic: && -> ||",
		"check int-const: 1 -> 2",
		"check negate-cond: n < 1 && !ok -> !(n < 1 && !ok)",
		"check remove-stmt: n++ -> ",
		"check string-lit: \"bad\" -> \"Xbad\"",
		"check string-lit: \"fine\" -> \"Xfine\"",
		"check swallow-err: errors.New(\"bad\") -> nil",
		"write flip-eq: != -> ==",
		"write mode-const: 0o700 -> 0o755",
		"write remove-stmt: if err := os.WriteFile(path, data, mode); err != nil {\n\t\treturn fmt.Errorf(\"write: %w\", err)\n\t} -> ",
		"write string-lit: \"write: %w\" -> \"Xwrite: %w\"",
		"write swallow-err: err != nil -> err != nil && false",
		"write swallow-err: fmt.Errorf(\"write: %w\", err) -> nil",
		"write swallow-err: return os.Chmod(path, 0o700) -> _ = os.Chmod(path, 0o700); return nil",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("mutants:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, m := range ms {
		if m.Original != sample[m.Start:m.End] {
			t.Errorf("%v: original %q is not bytes [%d,%d)", m, m.Original, m.Start, m.End)
		}
	}
}

func TestStatementRemovalTakesWholeLines(t *testing.T) {
	ms, _, err := FileMutants("sample.go", []byte(sample), map[string]bool{"check": true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Operator == opRemoveStmt {
			mutated := sample[:m.Start] + m.Replacement + sample[m.End:]
			if strings.Contains(mutated, "n++") || strings.Contains(mutated, "\n\t\n") {
				t.Fatalf("n++ not removed with its line:\n%s", mutated)
			}
			return
		}
	}
	t.Fatal("no remove-stmt mutant in check")
}

func TestFunctionFilterAndTopLevel(t *testing.T) {
	ms, matched, err := FileMutants("sample.go", []byte(sample), map[string]bool{"write": true})
	if err != nil {
		t.Fatal(err)
	}
	if !matched["write"] || matched["check"] {
		t.Fatalf("matched %v", matched)
	}
	for _, m := range ms {
		if m.Func != "write" {
			t.Fatalf("mutant outside write: %+v", m)
		}
	}
}

func TestListReportsUnknownFunctionsAndDedupes(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "sample.go"), []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	tw, _ := parseTarget("sample.go:write")
	missing, _ := parseTarget("sample.go:nosuch,write")
	if _, err := List(root, []target{missing}); err == nil || !strings.Contains(err.Error(), "no function nosuch") {
		t.Fatalf("want an error naming nosuch, got %v", err)
	}
	once, err := List(root, []target{tw})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := List(root, []target{tw, tw})
	if err != nil {
		t.Fatal(err)
	}
	if len(once) == 0 || len(once) != len(twice) {
		t.Fatalf("%d mutants once, %d with the target twice", len(once), len(twice))
	}
}

func TestMethodsAndStringsBesideErrors(t *testing.T) {
	src := `package p

type c struct{}

func (x *c) get() (string, error) {
	if x == nil {
		return "", errNil
	}
	return "v", nil
}

var errNil error
`
	ms, _, err := FileMutants("p.go", []byte(src), map[string]bool{"c.get": true})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(changes(ms), "\n")
	if strings.Contains(got, `"" -> "X"`) {
		t.Fatalf("the string returned beside an error was mutated:\n%s", got)
	}
	for _, want := range []string{`c.get string-lit: "v" -> "Xv"`, "c.get swallow-err: errNil -> nil"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in:\n%s", want, got)
		}
	}
}
