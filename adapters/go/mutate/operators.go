package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
)

// The operators. Each one makes a change that still compiles in the common
// case; a mutant that does not build is reported as unviable, not scored.
const (
	// negate-cond: an if/for condition that is not a comparison becomes its
	// negation (`!x` becomes `x`); comparisons are left to flip-eq/boundary.
	opNegateCond = "negate-cond"
	// flip-eq: == and != swap.
	opFlipEq = "flip-eq"
	// boundary: < and <=, > and >= swap.
	opBoundary = "boundary"
	// flip-logic: && and || swap.
	opFlipLogic = "flip-logic"
	// remove-stmt: a call statement (os.Chmod(...), f.Sync()), defer, go,
	// ++/--, a plain assignment, or an `if v := call(); ...` without else
	// (the call and its check) is deleted.
	opRemoveStmt = "remove-stmt"
	// swallow-err: `if err != nil` never fires (`err != nil && false`), or a
	// function returning error returns nil in its place (a call's effects are
	// kept: `_ = call(); return nil`).
	opSwallowErr = "swallow-err"
	// mode-const: an octal literal (a file mode) is widened: the owner's read
	// and execute bits are granted to group and other (0o600 -> 0o644,
	// 0o700 -> 0o755); one that is already wide loses its group/other bits.
	opModeConst = "mode-const"
	// int-const: a decimal or hex integer literal n becomes n+1.
	opIntConst = "int-const"
	// string-lit: a string literal gets an "X" in front ("" -> "X"), which
	// changes error messages, paths, prefixes and patterns. Struct tags and
	// literals returned beside a non-nil error (`return "", err`) are left
	// alone.
	opStringLit = "string-lit"
)

// walker collects the mutants of one file.
type walker struct {
	fset *token.FileSet
	tf   *token.File
	src  []byte
	file string
	tags map[*ast.BasicLit]bool
	fn   string
	out  []Mutant
}

// FileMutants lists the mutants of one file and the function names it
// matched. funcs, when not nil, keeps only the named functions (and leaves
// top-level declarations alone).
func FileMutants(file string, src []byte, funcs map[string]bool) ([]Mutant, map[string]bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, err
	}
	w := &walker{fset: fset, tf: fset.File(f.Pos()), src: src, file: file, tags: map[*ast.BasicLit]bool{}}
	ast.Inspect(f, func(n ast.Node) bool {
		if field, ok := n.(*ast.Field); ok && field.Tag != nil {
			w.tags[field.Tag] = true
		}
		return true
	})
	matched := map[string]bool{}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			name := funcName(d)
			if funcs != nil && !funcs[name] && !funcs[d.Name.Name] {
				continue
			}
			matched[name], matched[d.Name.Name] = true, true
			if d.Body != nil {
				w.fn = name
				w.walk(d)
			}
		case *ast.GenDecl:
			if funcs == nil && (d.Tok == token.CONST || d.Tok == token.VAR) {
				w.fn = ""
				w.walk(d)
			}
		}
	}
	return w.viable(), matched, nil
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if idx, ok := t.(*ast.IndexExpr); ok { // generic receiver T[P]
		t = idx.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + d.Name.Name
	}
	return d.Name.Name
}

// viable drops the rare mutant whose text no longer parses.
func (w *walker) viable() []Mutant {
	var out []Mutant
	for _, m := range w.out {
		mutated := string(w.src[:m.Start]) + m.Replacement + string(w.src[m.End:])
		if _, err := parser.ParseFile(token.NewFileSet(), w.file, mutated, parser.SkipObjectResolution); err == nil {
			out = append(out, m)
		}
	}
	return out
}

func (w *walker) offset(p token.Pos) int { return w.tf.Offset(p) }

func (w *walker) text(n ast.Node) string { return string(w.src[w.offset(n.Pos()):w.offset(n.End())]) }

func (w *walker) add(op string, from, to token.Pos, replacement string) {
	w.addSpan(op, from, w.offset(from), w.offset(to), replacement)
}

func (w *walker) addSpan(op string, at token.Pos, start, end int, replacement string) {
	pos := w.fset.Position(at)
	w.out = append(w.out, Mutant{
		File: w.file, Func: w.fn, Line: pos.Line, Col: pos.Column, Operator: op,
		Start: start, End: end, Original: string(w.src[start:end]), Replacement: replacement,
	})
}

// walk visits n's subtree, keeping the innermost enclosing function type so
// that return statements know their function's results.
func (w *walker) walk(n ast.Node) {
	var stack []ast.Node
	var funcs []*ast.FuncType
	ast.Inspect(n, func(n ast.Node) bool {
		if n == nil {
			switch stack[len(stack)-1].(type) {
			case *ast.FuncDecl, *ast.FuncLit:
				funcs = funcs[:len(funcs)-1]
			}
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.FuncDecl:
			funcs = append(funcs, n.Type)
		case *ast.FuncLit:
			funcs = append(funcs, n.Type)
		case *ast.IfStmt:
			w.condition(n.Cond)
		case *ast.ForStmt:
			if n.Cond != nil {
				w.condition(n.Cond)
			}
		case *ast.BinaryExpr:
			w.binary(n)
		case *ast.BlockStmt:
			w.statements(n.List)
		case *ast.CaseClause:
			w.statements(n.Body)
		case *ast.CommClause:
			w.statements(n.Body)
		case *ast.ReturnStmt:
			if len(funcs) > 0 {
				w.returns(n, funcs[len(funcs)-1])
			}
		case *ast.BasicLit:
			if len(stack) < 2 || !besideError(stack[len(stack)-2], n) {
				w.literal(n)
			}
		}
		return true
	})
}

func isComparison(op token.Token) bool {
	switch op {
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return true
	}
	return false
}

// isErrCheck matches `err != nil` for any identifier whose name ends in err/Err.
func isErrCheck(e ast.Expr) bool {
	b, ok := e.(*ast.BinaryExpr)
	if !ok || b.Op != token.NEQ {
		return false
	}
	x, xok := b.X.(*ast.Ident)
	y, yok := b.Y.(*ast.Ident)
	return xok && yok && y.Name == "nil" && strings.HasSuffix(strings.ToLower(x.Name), "err")
}

func (w *walker) condition(cond ast.Expr) {
	if isErrCheck(cond) {
		// `&& false` keeps err used, so a body that ignores err still compiles.
		w.add(opSwallowErr, cond.Pos(), cond.End(), w.text(cond)+" && false")
	}
	if b, ok := cond.(*ast.BinaryExpr); ok && isComparison(b.Op) {
		return
	}
	if u, ok := cond.(*ast.UnaryExpr); ok && u.Op == token.NOT {
		w.add(opNegateCond, cond.Pos(), cond.End(), w.text(u.X))
		return
	}
	w.add(opNegateCond, cond.Pos(), cond.End(), "!("+w.text(cond)+")")
}

var swaps = map[token.Token]struct {
	to token.Token
	op string
}{
	token.EQL:  {token.NEQ, opFlipEq},
	token.NEQ:  {token.EQL, opFlipEq},
	token.LSS:  {token.LEQ, opBoundary},
	token.LEQ:  {token.LSS, opBoundary},
	token.GTR:  {token.GEQ, opBoundary},
	token.GEQ:  {token.GTR, opBoundary},
	token.LAND: {token.LOR, opFlipLogic},
	token.LOR:  {token.LAND, opFlipLogic},
}

func (w *walker) binary(b *ast.BinaryExpr) {
	s, ok := swaps[b.Op]
	if !ok {
		return
	}
	w.add(s.op, b.OpPos, b.OpPos+token.Pos(len(b.Op.String())), s.to.String())
}

func (w *walker) statements(list []ast.Stmt) {
	for _, s := range list {
		switch s := s.(type) {
		case *ast.ExprStmt:
			if _, ok := s.X.(*ast.CallExpr); ok {
				w.remove(s)
			}
		case *ast.DeferStmt, *ast.GoStmt, *ast.IncDecStmt:
			w.remove(s)
		case *ast.AssignStmt:
			if s.Tok != token.DEFINE {
				w.remove(s)
			}
		case *ast.IfStmt:
			if a, ok := s.Init.(*ast.AssignStmt); ok && s.Else == nil && hasCall(a) {
				w.remove(s)
			}
		}
	}
}

func hasCall(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if _, ok := n.(*ast.CallExpr); ok {
			found = true
		}
		return !found
	})
	return found
}

// remove deletes a statement, with its whole line(s) when nothing else is on them.
func (w *walker) remove(s ast.Stmt) {
	start, end := w.offset(s.Pos()), w.offset(s.End())
	lineStart := start
	for lineStart > 0 && (w.src[lineStart-1] == ' ' || w.src[lineStart-1] == '\t') {
		lineStart--
	}
	lineEnd := end
	for lineEnd < len(w.src) && (w.src[lineEnd] == ' ' || w.src[lineEnd] == '\t') {
		lineEnd++
	}
	if (lineStart == 0 || w.src[lineStart-1] == '\n') && lineEnd < len(w.src) && w.src[lineEnd] == '\n' {
		start, end = lineStart, lineEnd+1
	}
	w.addSpan(opRemoveStmt, s.Pos(), start, end, "")
}

// returns makes a function whose last result is error return nil instead.
func (w *walker) returns(r *ast.ReturnStmt, ft *ast.FuncType) {
	if ft.Results == nil || len(r.Results) == 0 {
		return
	}
	fields := ft.Results.List
	if id, ok := fields[len(fields)-1].Type.(*ast.Ident); !ok || id.Name != "error" {
		return
	}
	count := 0
	for _, f := range fields {
		count += max(1, len(f.Names))
	}
	if len(r.Results) != count {
		return // `return f()` forwarding several values
	}
	last := r.Results[len(r.Results)-1]
	if id, ok := last.(*ast.Ident); ok && id.Name == "nil" {
		return
	}
	call, isCall := last.(*ast.CallExpr)
	if !isCall || isErrorConstructor(call) {
		w.add(opSwallowErr, last.Pos(), last.End(), "nil")
		return
	}
	parts := make([]string, len(r.Results))
	for i, e := range r.Results[:len(r.Results)-1] {
		parts[i] = w.text(e)
	}
	parts[len(parts)-1] = "nil"
	w.add(opSwallowErr, r.Pos(), r.End(), "_ = "+w.text(call)+"; return "+strings.Join(parts, ", "))
}

// isErrorConstructor matches fmt.Errorf and errors.New, which have no effects to keep.
func isErrorConstructor(c *ast.CallExpr) bool {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	return (pkg.Name == "fmt" && sel.Sel.Name == "Errorf") || (pkg.Name == "errors" && sel.Sel.Name == "New")
}

// besideError reports whether lit is returned next to a non-nil error
// (`return "", err`): by Go convention the caller ignores it, so changing it
// would only make equivalent mutants.
func besideError(parent ast.Node, lit *ast.BasicLit) bool {
	r, ok := parent.(*ast.ReturnStmt)
	if !ok || len(r.Results) < 2 {
		return false
	}
	last := r.Results[len(r.Results)-1]
	if id, ok := last.(*ast.Ident); (ok && id.Name == "nil") || last == ast.Expr(lit) {
		return false
	}
	return true
}

func (w *walker) literal(b *ast.BasicLit) {
	switch b.Kind {
	case token.INT:
		w.integer(b)
	case token.STRING:
		if !w.tags[b] {
			w.add(opStringLit, b.Pos(), b.End(), b.Value[:1]+"X"+b.Value[1:])
		}
	}
}

func (w *walker) integer(b *ast.BasicLit) {
	text := strings.ReplaceAll(b.Value, "_", "")
	v, err := strconv.ParseInt(text, 0, 64)
	if err != nil {
		return
	}
	octal := len(text) > 1 && text[0] == '0' && (text[1] == 'o' || text[1] == 'O' || (text[1] >= '0' && text[1] <= '7'))
	if !octal {
		w.add(opIntConst, b.Pos(), b.End(), strconv.FormatInt(v+1, 10))
		return
	}
	grant := (v >> 6) & 5 // the owner's read and execute bits
	mutated := v | grant<<3 | grant
	if mutated == v {
		mutated = v &^ 0o077
	}
	if mutated == v {
		return
	}
	prefix := "0"
	if text[1] == 'o' || text[1] == 'O' {
		prefix = text[:2]
	}
	w.add(opModeConst, b.Pos(), b.End(), prefix+strconv.FormatInt(mutated, 8))
}
