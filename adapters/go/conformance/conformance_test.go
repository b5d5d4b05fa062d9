package conformance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

var errAbsent = errors.New("token not found")

// memCache is a map-backed Cache for exercising the server.
type memCache map[string]*oauth2.Token

func (m memCache) Store(key string, t *oauth2.Token) error {
	if key == "fail" {
		return errors.New("store failed")
	}
	if t == nil {
		delete(m, key)
		return nil
	}
	m[key] = t
	return nil
}

func (m memCache) Lookup(key string) (*oauth2.Token, error) {
	t, ok := m[key]
	if !ok {
		return nil, errAbsent
	}
	return t, nil
}

func memTestee(c memCache) Testee {
	return Testee{
		Name:       "mem",
		Version:    "v0",
		Open:       func(string) (Cache, error) { return c, nil },
		IsNotFound: func(err error) bool { return errors.Is(err, errAbsent) },
	}
}

// exchange runs Serve over the given request lines and decodes each response.
func exchange(t *testing.T, testee Testee, lines ...string) []map[string]any {
	t.Helper()
	var out strings.Builder
	if err := Serve(testee, strings.NewReader(strings.Join(lines, "\n")+"\n"), &out); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	var resps []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("response %q: %v", sc.Text(), err)
		}
		resps = append(resps, r)
	}
	return resps
}

func errorKind(r map[string]any) string {
	e, _ := r["error"].(map[string]any)
	k, _ := e["kind"].(string)
	return k
}

func TestParseExpiryReadsRFC3339AndExtendedYears(t *testing.T) {
	cases := map[string]string{
		"":                                "0001-01-01T00:00:00Z",
		"2024-01-02T03:04:05.5+02:00":     "2024-01-02T03:04:05.5+02:00",
		"10000-01-01T00:00:00Z":           "10000-01-01T00:00:00Z",
		"-0001-12-31T23:59:59.000000001Z": "-0001-12-31T23:59:59.000000001Z",
		"12345-06-07T08:09:10.25-05:30":   "12345-06-07T08:09:10.25-05:30",
		"2024-01-02T03:04:05.123456789Z":  "2024-01-02T03:04:05.123456789Z",
	}
	for in, want := range cases {
		got, err := parseExpiry(in)
		if err != nil {
			t.Errorf("parseExpiry(%q): %v", in, err)
			continue
		}
		if s := got.Format(time.RFC3339Nano); s != want {
			t.Errorf("parseExpiry(%q) formats as %q, want %q", in, s, want)
		}
	}
}

func TestParseExpiryRefusesMalformedInput(t *testing.T) {
	for _, in := range []string{"tomorrow", "10000-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "-1-01-01T00:00:00Z"} {
		if _, err := parseExpiry(in); err == nil {
			t.Errorf("parseExpiry(%q) succeeded, want an error", in)
		}
	}
}

func TestExpiresInFollowsTheStructShape(t *testing.T) {
	type newToken struct{ ExpiresIn int64 }
	type oldToken struct{ AccessToken string }
	n, o := &newToken{}, &oldToken{}
	setExpiresIn(n, 42)
	setExpiresIn(o, 42)
	if n.ExpiresIn != 42 || expiresIn(n) != 42 {
		t.Errorf("ExpiresIn = %d, want 42", n.ExpiresIn)
	}
	if expiresIn(o) != 0 {
		t.Errorf("a token without ExpiresIn reads %d, want 0", expiresIn(o))
	}
}

func TestServeStoresLooksUpAndMapsKinds(t *testing.T) {
	c := memCache{}
	resps := exchange(t, memTestee(c),
		`{"id":1,"op":"hello"}`,
		`{"id":2,"op":"open","path":null}`,
		`{"id":3,"op":"store","key":"k","token":{"access_token":"a","expiry":"2024-01-02T03:04:05Z"}}`,
		`{"id":4,"op":"lookup","key":"k"}`,
		`{"id":5,"op":"lookup","key":"missing"}`,
		`{"id":6,"op":"store","key":"fail","token":null}`,
		`{"id":7,"op":"cache_key","arg":{"kind":"workspace"}}`,
		`{"id":8,"op":"shutdown"}`,
		`{"id":9,"op":"hello"}`,
	)
	if len(resps) != 8 {
		t.Fatalf("got %d responses, want 8 (nothing after shutdown): %v", len(resps), resps)
	}
	for i, r := range resps {
		if r["id"] != float64(i+1) {
			t.Errorf("response %d has id %v", i, r["id"])
		}
	}
	hello := resps[0]["result"].(map[string]any)
	if got := hello["ops"].([]any); len(got) != 3 {
		t.Errorf("hello ops = %v, want open/store/lookup only", got)
	}
	if got := hello["toolchain"]; got != runtime.Version() {
		t.Errorf("hello toolchain = %v, want %q", got, runtime.Version())
	}
	tok := resps[3]["result"].(map[string]any)["token"].(map[string]any)
	if tok["access_token"] != "a" || tok["expiry"] != "2024-01-02T03:04:05Z" || tok["token_type"] != "" {
		t.Errorf("lookup token = %v", tok)
	}
	if k := errorKind(resps[4]); k != "not_found" {
		t.Errorf("missing key kind = %q, want not_found", k)
	}
	if k := errorKind(resps[5]); k != "error" {
		t.Errorf("failing store kind = %q, want error", k)
	}
	if k := errorKind(resps[6]); k != "unsupported" {
		t.Errorf("cache_key without CacheKey kind = %q, want unsupported", k)
	}
}

func TestServeAnswersNullForANilToken(t *testing.T) {
	c := memCache{"k": nil}
	resps := exchange(t, memTestee(c), `{"id":1,"op":"open"}`, `{"id":2,"op":"lookup","key":"k"}`)
	res := resps[1]["result"].(map[string]any)
	if v, ok := res["token"]; !ok || v != nil {
		t.Errorf("lookup result = %v, want token null", res)
	}
}

func TestRefreshProbeForwardsTheRequestedTokenAndFirstError(t *testing.T) {
	c := memCache{}
	want := &oauth2.Token{AccessToken: "requested"}
	p := NewRefreshProbe(c, want)
	if err := p.Store("primary", &oauth2.Token{AccessToken: "refreshed"}); err != nil {
		t.Fatal(err)
	}
	first := p.Store("fail", nil)
	_ = p.Store("fail", nil)
	if c["primary"] != want {
		t.Errorf("stored %v, want the requested token", c["primary"])
	}
	if got := p.Result(errors.New("refresh")); got != first || got == nil {
		t.Errorf("Result = %v, want the first store error %v", got, first)
	}
	if p.Stores() != 3 {
		t.Errorf("Stores = %d, want 3", p.Stores())
	}
}

func TestLockedTesteeAnnouncesTheLockAndCreatesTheFile0600(t *testing.T) {
	dir := t.TempDir()
	testee := memTestee(memCache{})
	testee.Lock = true
	resps := exchange(t, testee,
		`{"id":1,"op":"hello"}`,
		`{"id":2,"op":"open","path":"`+dir+`/sub/token-cache.json"}`,
		`{"id":3,"op":"store","key":"k","token":{"access_token":"a"}}`,
		`{"id":4,"op":"lookup","key":"missing"}`,
	)
	if lock := resps[0]["result"].(map[string]any)["lock"]; lock != "flock" {
		t.Errorf("hello lock = %v, want flock", lock)
	}
	if resps[2]["ok"] != true {
		t.Errorf("store through the lock failed: %v", resps[2])
	}
	if k := errorKind(resps[3]); k != "not_found" {
		t.Errorf("a locked lookup's error kind = %q, want not_found (errors pass through)", k)
	}
	st, err := os.Stat(dir + "/sub/" + LockFileName)
	if err != nil {
		t.Fatalf("lock file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode = %v, want 0600", st.Mode().Perm())
	}
}

func TestUnlockedTesteeDoesNotAnnounceALock(t *testing.T) {
	resps := exchange(t, memTestee(memCache{}), `{"id":1,"op":"hello"}`)
	if _, ok := resps[0]["result"].(map[string]any)["lock"]; ok {
		t.Errorf("hello of a testee without Lock carries lock: %v", resps[0])
	}
}

func TestWithLockExcludesASecondHolderUntilRelease(t *testing.T) {
	path := t.TempDir() + "/" + LockFileName
	held := make(chan struct{})
	done := make(chan struct{})
	release := make(chan struct{})
	go func() {
		_ = WithLock(path, true, func() error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	go func() {
		_ = WithLock(path, true, func() error { return nil })
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("a second exclusive holder got the lock while the first held it")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the second holder never got the lock after release")
	}
}

func TestWithLockRefusesASymlinkedLockFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(dir+"/elsewhere", dir+"/"+LockFileName); err != nil {
		t.Fatal(err)
	}
	err := WithLock(dir+"/"+LockFileName, true, func() error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "lock: ") {
		t.Errorf("WithLock through a symlink = %v, want a lock: error", err)
	}
	if _, statErr := os.Lstat(dir + "/elsewhere"); statErr == nil {
		t.Error("the symlink's target was created")
	}
}

func TestRefreshProbeRefusesASwallowedStoreError(t *testing.T) {
	p := NewRefreshProbe(memCache{}, &oauth2.Token{AccessToken: "requested"})
	first := p.Store("fail", nil)
	got := p.Result(nil)
	if got == nil || !errors.Is(got, first) || got == first {
		t.Fatalf("Result(nil) after a failed store = %v, want an error wrapping %v", got, first)
	}
	if !strings.Contains(got.Error(), "reported success although a store failed") {
		t.Errorf("Result(nil) = %q", got)
	}
	if err := NewRefreshProbe(memCache{}, nil).Result(nil); err != nil {
		t.Errorf("Result(nil) without a failed store = %v, want nil", err)
	}
}

func TestDualStoreTellsAnAbsentKeyFromAnEmptyOne(t *testing.T) {
	var got []DualStoreRequest
	testee := memTestee(memCache{})
	testee.DualStores = map[string]DualStoreFunc{
		ViaWrapper: func(_ Cache, r DualStoreRequest) error {
			got = append(got, r)
			return nil
		},
	}
	resps := exchange(t, testee,
		`{"id":1,"op":"open"}`,
		`{"id":2,"op":"dual_store","via":"wrapper","arg":{"kind":"workspace","host":"h"},"token":{}}`,
		`{"id":3,"op":"dual_store","via":"wrapper","arg":{"kind":"workspace","profile":""},"key":"","token":{}}`,
		`{"id":4,"op":"dual_store","via":"wrapper","arg":{"kind":"workspace"},"key":null,"token":null}`,
		`{"id":5,"op":"hello"}`,
	)
	if len(got) != 3 {
		t.Fatalf("dual stores = %d, want 3: %v", len(got), resps)
	}
	if got[0].Key.Present || got[0].Key.Or("primary") != "primary" {
		t.Errorf("absent key = %+v, want absent (the primary key)", got[0].Key)
	}
	if !got[1].Key.Present || got[1].Key.Or("primary") != "" {
		t.Errorf(`key "" = %+v, want present and empty`, got[1].Key)
	}
	if got[2].Key.Present || got[2].Token != nil {
		t.Errorf("key null = %+v, want absent; token null = %v, want nil", got[2].Key, got[2].Token)
	}
	if !got[1].Arg.Has("profile") || got[0].Arg.Has("profile") || !got[0].Arg.Has("host") {
		t.Errorf("Arg.Has: %v %v", got[0].Arg, got[1].Arg)
	}
	if vias := resps[4]["result"].(map[string]any)["dual_store_via"].([]any); len(vias) != 1 || vias[0] != ViaWrapper {
		t.Errorf("hello dual_store_via = %v, want [wrapper]", vias)
	}
}

func TestTheOlderDualStoreFormStillServes(t *testing.T) {
	var keys []string
	testee := memTestee(memCache{})
	testee.DualStore = map[string]func(Cache, Arg, string, *oauth2.Token) error{
		ViaSDK: func(_ Cache, _ Arg, key string, _ *oauth2.Token) error {
			keys = append(keys, key)
			return nil
		},
	}
	exchange(t, testee, `{"id":1,"op":"open"}`,
		`{"id":2,"op":"dual_store","via":"sdk","arg":{"kind":"workspace"},"key":"k","token":{}}`)
	if len(keys) != 1 || keys[0] != "k" {
		t.Errorf("keys = %v, want [k]", keys)
	}
}

func TestDiscoveryRefreshIsADocumentedUnsupported(t *testing.T) {
	d := Arg{Kind: ArgDiscovery}
	for _, via := range []string{ViaSDK, ViaSDKWrapper} {
		if err := UnsupportedDiscoveryRefresh(via, d); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s with discovery: %v, want an unsupported error", via, err)
		}
	}
	if err := UnsupportedDiscoveryRefresh(ViaWrapper, d); err != nil {
		t.Errorf("wrapper with discovery: %v, want nil", err)
	}
	if err := UnsupportedDiscoveryRefresh(ViaSDK, Arg{Kind: ArgWorkspace}); err != nil {
		t.Errorf("sdk with workspace: %v, want nil", err)
	}
}

// mapStore is a store-shaped cache with a context, as a CLI might have one.
type mapStore struct {
	tokens map[string]*oauth2.Token
	ctxs   int
}

func (m *mapStore) Put(ctx context.Context, key string, t *oauth2.Token) error {
	if ctx != nil {
		m.ctxs++
	}
	m.tokens[key] = t
	return nil
}

func (m *mapStore) Lookup(ctx context.Context, key string) (*oauth2.Token, error) {
	if ctx != nil {
		m.ctxs++
	}
	t, ok := m.tokens[key]
	if !ok {
		return nil, errAbsent
	}
	return t, nil
}

func (m *mapStore) Delete(ctx context.Context, key string) error {
	if ctx != nil {
		m.ctxs++
	}
	delete(m.tokens, key)
	return nil
}

func TestFromStoreAdaptsPutLookupDeleteToTheTokenCacheShape(t *testing.T) {
	m := &mapStore{tokens: map[string]*oauth2.Token{}}
	c := FromStore(m)
	if err := c.Store("k", &oauth2.Token{AccessToken: "a"}); err != nil {
		t.Fatal(err)
	}
	if tok, err := c.Lookup("k"); err != nil || tok.AccessToken != "a" {
		t.Fatalf("Lookup = %v, %v", tok, err)
	}
	if err := c.Store("k", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup("k"); !errors.Is(err, errAbsent) {
		t.Errorf("after a nil Store, Lookup = %v, want not found", err)
	}
	if m.ctxs != 4 {
		t.Errorf("calls with a context = %d, want 4", m.ctxs)
	}
	noDelete := FromStore(StoreFuncs{PutFunc: m.Put, LookupFunc: m.Lookup})
	if err := noDelete.Store("k", nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("delete without DeleteFunc = %v, want unsupported", err)
	}
}
