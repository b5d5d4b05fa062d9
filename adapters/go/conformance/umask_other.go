//go:build !unix

package conformance

// setUmask refuses: only Unix processes have a umask.
func setUmask(int) error {
	return Unsupported("umask needs a Unix system")
}
