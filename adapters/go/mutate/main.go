// Command mutate lists the mutants of Go source files for `tokencache-compat mutate`.
//
//	mutate -root DIR -target PATH[:FUNC,...] [-target ...]
//
// DIR is the root of the module to mutate. PATH, relative to DIR, is a .go
// file or a directory (its non-test .go files, not recursive). FUNC names keep
// only the mutants inside those functions (a method by its name or by
// Type.Name); without them the file's top-level const and var declarations are
// mutated too.
//
// The output is one JSON document on stdout, {"mutants": [...]}, each mutant a
// byte-range replacement in one file (see Mutant). The program never writes a
// file: the harness applies each mutant to its own copy of the module. The
// operators are in operators.go and described in docs/strength.md.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Mutant is one small change: replace bytes [Start, End) of File with Replacement.
type Mutant struct {
	File        string `json:"file"` // slash-separated, relative to the module root
	Func        string `json:"func"` // enclosing function ("" at top level)
	Line        int    `json:"line"`
	Col         int    `json:"col"`
	Operator    string `json:"operator"`
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Original    string `json:"original"`
	Replacement string `json:"replacement"`
}

// target is one -target flag: a file or directory and an optional function filter.
type target struct {
	path  string
	funcs map[string]bool
}

func parseTarget(text string) (target, error) {
	path, list, _ := strings.Cut(text, ":")
	if path == "" {
		return target{}, fmt.Errorf("-target %q: empty path", text)
	}
	t := target{path: filepath.FromSlash(path)}
	if list != "" {
		t.funcs = map[string]bool{}
		for _, name := range strings.Split(list, ",") {
			if name = strings.TrimSpace(name); name != "" {
				t.funcs[name] = true
			}
		}
	}
	return t, nil
}

// files resolves a target to the .go files it names, relative to root.
func (t target) files(root string) ([]string, error) {
	full := filepath.Join(root, t.path)
	info, err := os.Stat(full)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		if !strings.HasSuffix(full, ".go") {
			return nil, fmt.Errorf("%s: not a .go file", t.path)
		}
		return []string{t.path}, nil
	}
	entries, err := os.ReadDir(full)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			out = append(out, filepath.Join(t.path, name))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no non-test .go files", t.path)
	}
	return out, nil
}

// List returns every mutant of the targets, sorted by file and position.
func List(root string, targets []target) ([]Mutant, error) {
	var all []Mutant
	for _, t := range targets {
		files, err := t.files(root)
		if err != nil {
			return nil, err
		}
		matched := map[string]bool{}
		for _, rel := range files {
			src, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				return nil, err
			}
			found, names, err := FileMutants(filepath.ToSlash(rel), src, t.funcs)
			if err != nil {
				return nil, err
			}
			all = append(all, found...)
			for name := range names {
				matched[name] = true
			}
		}
		var missing []string
		for name := range t.funcs {
			if !matched[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return nil, fmt.Errorf("-target %s: no function %s", filepath.ToSlash(t.path), strings.Join(missing, ", "))
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Operator < b.Operator
	})
	return dedupe(all), nil
}

// dedupe drops a mutant that makes exactly the same change as an earlier one
// (two -target flags naming one file, or two operators agreeing).
func dedupe(in []Mutant) []Mutant {
	type change struct {
		file       string
		start, end int
		text       string
	}
	seen := map[change]bool{}
	out := in[:0]
	for _, m := range in {
		c := change{m.File, m.Start, m.End, m.Replacement}
		if !seen[c] {
			seen[c] = true
			out = append(out, m)
		}
	}
	return out
}

func main() {
	root := flag.String("root", "", "root directory of the module to mutate")
	var targets []target
	flag.Func("target", "PATH[:FUNC,...] relative to -root; repeatable", func(s string) error {
		t, err := parseTarget(s)
		if err == nil {
			targets = append(targets, t)
		}
		return err
	})
	flag.Parse()
	if err := run(*root, targets); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
}

func run(root string, targets []target) error {
	if root == "" || len(targets) == 0 {
		return errors.New("need -root and at least one -target")
	}
	mutants, err := List(root, targets)
	if err != nil {
		return err
	}
	if mutants == nil {
		mutants = []Mutant{}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(map[string]any{"mutants": mutants})
}
