//go:build !unix

package conformance

// limitKinds is empty: only Unix processes have RLIMIT_FSIZE.
var limitKinds = []string{}

func ignoreFileSizeSignal() {}

// withLimits refuses any limit; the harness skips cases that need one.
func withLimits(l *limits, f func() (any, error)) (any, error) {
	if l == nil || l.FileSize == nil {
		return f()
	}
	return nil, Unsupported("file-size limits need a Unix system")
}
