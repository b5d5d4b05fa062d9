//go:build !unix

package conformance

// acquireLock refuses: this kit implements the lock protocol with flock only
// (Windows tools use LockFileEx on the same file).
func acquireLock(string, bool) (func(), error) {
	return nil, Unsupported("the token-cache.lock protocol needs flock (a Unix system) in this kit")
}
