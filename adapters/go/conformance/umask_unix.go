//go:build unix

package conformance

import "syscall"

// setUmask sets the process umask; cache files are created under it.
func setUmask(mask int) error {
	syscall.Umask(mask)
	return nil
}
