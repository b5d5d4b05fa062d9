// Package conformance serves tokencache-compat protocol v1 (docs/protocol.md)
// on stdin/stdout for any Go token cache with Store and Lookup methods, or
// with store-shaped Put/Lookup/Delete methods taking a context (FromStore).
//
// A testee is a main package that fills in a Testee and calls Main. The kit
// never recovers panics: a panic in the code under test kills the process and
// the harness records a crash.
package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"

	"golang.org/x/oauth2"
)

// Cache is what the kit drives; the SDK's cache.TokenCache satisfies it.
type Cache interface {
	Store(key string, t *oauth2.Token) error
	Lookup(key string) (*oauth2.Token, error)
}

// The dual_store vias of protocol v1 (keys of Testee.DualStore).
const (
	// ViaWrapper is the CLI's cache wrapper built for the argument: a store
	// under the primary key is mirrored under the host key.
	ViaWrapper = "wrapper"
	// ViaSDK is the SDK's own dual write (primary key, then host key).
	ViaSDK = "sdk"
	// ViaSDKWrapper is the SDK's dual write performed through the wrapper.
	ViaSDKWrapper = "sdk+wrapper"
)

// The argument kinds of protocol v1 (Arg.Kind).
const (
	ArgWorkspace = "workspace"
	ArgAccount   = "account"
	ArgUnified   = "unified"
	ArgDiscovery = "discovery"
)

// Arg is an OAuth argument as protocol v1 carries it. An absent field reads
// as ""; Has tells an absent field from an explicit "".
type Arg struct {
	Kind           string `json:"kind"`
	Host           string `json:"host"`
	AccountID      string `json:"account_id"`
	Profile        string `json:"profile"`
	DiscoveredHost string `json:"discovered_host"`

	present map[string]bool
}

// UnmarshalJSON decodes an Arg and records which fields the request had.
func (a *Arg) UnmarshalJSON(data []byte) error {
	type plain Arg
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	*a = Arg(p)
	a.present = map[string]bool{}
	for name, raw := range fields {
		a.present[name] = string(raw) != "null"
	}
	return nil
}

// Has reports whether the request carried the field (by its JSON name, e.g.
// "profile") with a value other than null.
func (a Arg) Has(field string) bool { return a.present[field] }

// OptionalString is a request field that may be absent: Present is false when
// the request has no such field or null, and then Value is "".
type OptionalString struct {
	Value   string
	Present bool
}

// Or is the value, or fallback when the field is absent.
func (o OptionalString) Or(fallback string) string {
	if !o.Present {
		return fallback
	}
	return o.Value
}

// DualStoreRequest is a dual_store request with absent and empty fields told
// apart. Key absent means "the argument's primary key" for ViaWrapper
// (docs/protocol.md); the SDK's dual write ignores it. Token nil deletes.
type DualStoreRequest struct {
	Arg   Arg
	Key   OptionalString
	Token *oauth2.Token
	Via   string
}

// DualStoreFunc performs one dual_store via; c is the cache open returned.
type DualStoreFunc func(c Cache, r DualStoreRequest) error

// Testee describes the implementation under test.
type Testee struct {
	Name, Version string
	// Open opens the cache at path; "" means the implementation's default.
	Open func(path string) (Cache, error)
	// IsNotFound reports whether an error means "key absent" (kind not_found).
	IsNotFound func(error) bool
	// CacheKey derives the primary and host cache keys; nil leaves cache_key
	// unannounced.
	CacheKey func(Arg) (key, hostKey string, err error)
	// DualStores performs dual_store, by via (ViaWrapper, ViaSDK,
	// ViaSDKWrapper); the request tells an absent key from "".
	DualStores map[string]DualStoreFunc
	// DualStore is the older form of DualStores: key is "" both when the
	// request has none and when it is "", so a ViaWrapper testee cannot be
	// right on both. A via in DualStores wins.
	DualStore map[string]func(c Cache, a Arg, key string, t *oauth2.Token) error
	// Details are added to hello's details (free text for reports).
	Details map[string]string
	// Lock makes open, Store and Lookup hold the advisory lock file
	// (LockedOpen); hello then announces "lock": "flock". Main sets it when
	// the testee is started with --lock.
	Lock bool
}

// ErrUnsupported marks a request variant the testee cannot perform; the
// harness skips the case (run) or the step (diff) instead of failing it.
var ErrUnsupported = errors.New("unsupported")

// UnsupportedDiscoveryRefresh is the documented answer of a dual_store via
// ViaSDK or ViaSDKWrapper for a discovery argument when the testee drives the
// SDK's dual write through a refresh (RefreshProbe): SDK releases dual-write
// discovery arguments only after a browser login (Challenge with discovery
// login), and a refresh refuses them. It returns nil for any other request.
func UnsupportedDiscoveryRefresh(via string, a Arg) error {
	if a.Kind != ArgDiscovery || (via != ViaSDK && via != ViaSDKWrapper) {
		return nil
	}
	return Unsupported("dual_store via %q with a discovery argument: the SDK dual-writes "+
		"discovery arguments only after a browser login, not on a refresh", via)
}

// Unsupported returns an error that answers kind "unsupported" with a reason.
func Unsupported(format string, args ...any) error {
	return unsupportedError(fmt.Sprintf(format, args...))
}

type unsupportedError string

func (e unsupportedError) Error() string        { return string(e) }
func (e unsupportedError) Is(target error) bool { return target == ErrUnsupported }

// Main serves protocol v1 on stdin/stdout until shutdown or EOF, then exits.
// The one command-line argument it knows is --lock (see Testee.Lock).
func Main(t Testee) {
	for _, arg := range os.Args[1:] {
		if arg != "--lock" {
			fmt.Fprintf(os.Stderr, "conformance: unknown argument %q (the kit knows --lock)\n", arg)
			os.Exit(2)
		}
		t.Lock = true
	}
	if err := Serve(t, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// Serve answers requests from in on out until shutdown or EOF.
func Serve(t Testee, in io.Reader, out io.Writer) error {
	if t.Lock {
		t.Open = LockedOpen(t.Open)
	}
	ignoreFileSizeSignal()
	s := &server{testee: t}
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			done, serr := s.handle(line, w)
			if serr != nil {
				return serr
			}
			if ferr := w.Flush(); ferr != nil {
				return ferr
			}
			if done {
				return nil
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

type request struct {
	ID     json.RawMessage    `json:"id"`
	Op     string             `json:"op"`
	Path   *string            `json:"path"`
	Env    map[string]*string `json:"env"`
	Umask  *int               `json:"umask"`
	Key    *string            `json:"key"`
	Token  *wireToken         `json:"token"`
	Arg    Arg                `json:"arg"`
	Via    string             `json:"via"`
	Limits *limits            `json:"limits"`
}

// limits are applied by the testee to itself for one request (protocol
// "limits"); FileSize is RLIMIT_FSIZE in bytes.
type limits struct {
	FileSize *int64 `json:"file_size"`
}

type errorBody struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

type response struct {
	ID     json.RawMessage `json:"id"`
	OK     bool            `json:"ok"`
	Result any             `json:"result,omitempty"`
	Error  *errorBody      `json:"error,omitempty"`
}

type server struct {
	testee Testee
	cache  Cache
}

// handle answers one request line; done is true after shutdown.
func (s *server) handle(line []byte, w io.Writer) (done bool, err error) {
	var head struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(line, &head); err != nil || len(head.ID) == 0 {
		return false, fmt.Errorf("request without an id: %q", line)
	}
	var req request
	var result any
	var opErr error
	if err := json.Unmarshal(line, &req); err != nil {
		opErr = fmt.Errorf("bad request: %w", err)
	} else {
		result, opErr = withLimits(req.Limits, func() (any, error) { return s.dispatch(&req) })
	}
	resp := response{ID: head.ID, OK: opErr == nil, Result: result}
	if opErr != nil {
		resp.Result = nil
		resp.Error = &errorBody{Kind: s.kind(opErr), Message: opErr.Error()}
	}
	enc := json.NewEncoder(w) // Encode ends the line
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		return false, err
	}
	return req.Op == "shutdown" && opErr == nil, nil
}

func (s *server) kind(err error) string {
	switch {
	case errors.Is(err, ErrUnsupported):
		return "unsupported"
	case s.testee.IsNotFound != nil && s.testee.IsNotFound(err):
		return "not_found"
	default:
		return "error"
	}
}

type empty struct{}

func (s *server) dispatch(req *request) (any, error) {
	switch req.Op {
	case "hello":
		return s.hello(), nil
	case "shutdown":
		return empty{}, nil
	case "open":
		return s.open(req)
	case "store":
		return s.store(req)
	case "lookup":
		return s.lookup(req)
	case "cache_key":
		return s.cacheKey(req)
	case "dual_store":
		return s.dualStore(req)
	}
	return nil, Unsupported("unknown op %q", req.Op)
}

func (s *server) hello() any {
	ops := []string{"open", "store", "lookup"}
	if s.testee.CacheKey != nil {
		ops = append(ops, "cache_key")
	}
	seen := map[string]bool{}
	for via := range s.testee.DualStore {
		seen[via] = true
	}
	for via := range s.testee.DualStores {
		seen[via] = true
	}
	vias := make([]string, 0, len(seen))
	for via := range seen {
		vias = append(vias, via)
	}
	sort.Strings(vias)
	if len(vias) > 0 {
		ops = append(ops, "dual_store")
	}
	details := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			v := dep.Version
			if dep.Replace != nil {
				v += " => " + dep.Replace.Path + " " + dep.Replace.Version
			}
			details[dep.Path] = v
		}
	}
	for k, v := range s.testee.Details {
		details[k] = v
	}
	hello := map[string]any{
		"protocol":       1,
		"name":           s.testee.Name,
		"version":        s.testee.Version,
		"ops":            ops,
		"dual_store_via": vias,
		"limits":         limitKinds,
		"runtime":        runtime.Version(),
		// The toolchain decides encoding/json's texts and what it accepts;
		// the harness picks per-toolchain expectations by it.
		"toolchain": runtime.Version(),
		"details":   details,
	}
	if s.testee.Lock {
		hello["lock"] = "flock"
	}
	return hello
}

func (s *server) open(req *request) (any, error) {
	for name, value := range req.Env {
		var err error
		if value == nil {
			err = os.Unsetenv(name)
		} else {
			err = os.Setenv(name, *value)
		}
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", name, err)
		}
	}
	if req.Umask != nil {
		if err := setUmask(*req.Umask); err != nil {
			return nil, err
		}
	}
	path := ""
	if req.Path != nil {
		path = *req.Path
	}
	s.cache = nil // a failed open leaves no cache behind
	c, err := s.testee.Open(path)
	if err != nil {
		return nil, err
	}
	s.cache = c
	return empty{}, nil
}

var errNoCache = errors.New("conformance: no cache is open")

func (s *server) store(req *request) (any, error) {
	if s.cache == nil {
		return nil, errNoCache
	}
	t, err := requestToken(req)
	if err != nil {
		return nil, err
	}
	if err := s.cache.Store(requestKey(req), t); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (s *server) lookup(req *request) (any, error) {
	if s.cache == nil {
		return nil, errNoCache
	}
	t, err := s.cache.Lookup(requestKey(req))
	if err != nil {
		return nil, err
	}
	if t == nil {
		return map[string]any{"token": nil}, nil
	}
	return map[string]any{"token": encodeToken(t)}, nil
}

func (s *server) cacheKey(req *request) (any, error) {
	if s.testee.CacheKey == nil {
		return nil, Unsupported("cache_key is not implemented")
	}
	key, hostKey, err := s.testee.CacheKey(req.Arg)
	if err != nil {
		return nil, err
	}
	return map[string]string{"key": key, "host_key": hostKey}, nil
}

func (s *server) dualStore(req *request) (any, error) {
	store, ok := s.testee.DualStores[req.Via]
	if !ok {
		if old, found := s.testee.DualStore[req.Via]; found {
			ok = true
			store = func(c Cache, r DualStoreRequest) error {
				return old(c, r.Arg, r.Key.Value, r.Token)
			}
		}
	}
	if !ok {
		return nil, Unsupported("dual_store via %q is not implemented", req.Via)
	}
	if s.cache == nil {
		return nil, errNoCache
	}
	t, err := requestToken(req)
	if err != nil {
		return nil, err
	}
	r := DualStoreRequest{Arg: req.Arg, Token: t, Via: req.Via}
	if req.Key != nil {
		r.Key = OptionalString{Value: *req.Key, Present: true}
	}
	if err := store(s.cache, r); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func requestKey(req *request) string {
	if req.Key == nil {
		return ""
	}
	return *req.Key
}

// requestToken decodes the request's token; null means nil (delete).
func requestToken(req *request) (*oauth2.Token, error) {
	if req.Token == nil {
		return nil, nil
	}
	t, err := decodeToken(*req.Token)
	if err != nil {
		return nil, fmt.Errorf("bad request: %w", err)
	}
	return t, nil
}
