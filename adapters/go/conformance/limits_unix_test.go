//go:build unix

package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/oauth2"
)

// fileCache writes every store to a file, so a file-size limit can bite.
type fileCache struct{ path string }

func (f fileCache) Store(_ string, t *oauth2.Token) error {
	return os.WriteFile(f.path, []byte(strings.Repeat("x", 100)), 0o600)
}

func (f fileCache) Lookup(string) (*oauth2.Token, error) { return nil, nil }

func TestLimitsFileSizeFailsTheWriteAndIsRestoredAfterTheRequest(t *testing.T) {
	var before syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &before); err != nil {
		t.Fatal(err)
	}
	c := fileCache{path: filepath.Join(t.TempDir(), "f")}
	testee := Testee{Name: "file", Open: func(string) (Cache, error) { return c, nil }}
	resps := exchange(t, testee,
		`{"id":1,"op":"hello"}`,
		`{"id":2,"op":"open","path":null}`,
		`{"id":3,"op":"store","key":"k","token":{},"limits":{"file_size":10}}`,
		`{"id":4,"op":"store","key":"k","token":{}}`,
		`{"id":5,"op":"store","key":"k","token":{},"limits":{"file_size":-1}}`,
	)
	hello := resps[0]["result"].(map[string]any)
	if got := hello["limits"].([]any); len(got) != 1 || got[0] != "file_size" {
		t.Errorf("hello limits = %v, want [file_size]", got)
	}
	e, _ := resps[2]["error"].(map[string]any)
	if msg, _ := e["message"].(string); !strings.HasSuffix(msg, "file too large") {
		t.Errorf("limited store answered %v, want a 'file too large' error", resps[2])
	}
	if resps[3]["ok"] != true {
		t.Errorf("store after the limited request answered %v, want ok (limit restored)", resps[3])
	}
	if errorKind(resps[4]) != "error" {
		t.Errorf("negative limit answered %v, want an error", resps[4])
	}
	var after syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("RLIMIT_FSIZE after serving = %+v, want %+v", after, before)
	}
}
