//go:build unix

package conformance

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// limitKinds are the per-request limits this build applies (hello "limits").
var limitKinds = []string{"file_size"}

// ignoreFileSizeSignal makes a write past RLIMIT_FSIZE fail with EFBIG instead
// of killing the process. The Go runtime already drops an unrequested SIGXFSZ;
// this says so explicitly and keeps holding if a testee ever asks for signals.
func ignoreFileSizeSignal() { signal.Ignore(syscall.SIGXFSZ) }

// withLimits runs f with the soft RLIMIT_FSIZE lowered to l.FileSize bytes and
// restores the previous limit before returning, so the response line is never
// subject to it. A testee that cannot restore its limit must not serve on.
func withLimits(l *limits, f func() (any, error)) (any, error) {
	if l == nil || l.FileSize == nil {
		return f()
	}
	if *l.FileSize < 0 {
		return nil, fmt.Errorf("bad request: limits.file_size must not be negative")
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		return nil, fmt.Errorf("conformance: getrlimit RLIMIT_FSIZE: %w", err)
	}
	lowered := old
	lowered.Cur = uint64(*l.FileSize)
	if lowered.Cur > old.Max {
		lowered.Cur = old.Max
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lowered); err != nil {
		return nil, fmt.Errorf("conformance: setrlimit RLIMIT_FSIZE: %w", err)
	}
	defer func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			fmt.Fprintln(os.Stderr, "conformance: cannot restore RLIMIT_FSIZE:", err)
			os.Exit(3)
		}
	}()
	return f()
}
