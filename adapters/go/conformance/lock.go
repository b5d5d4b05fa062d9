package conformance

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/oauth2"
)

// LockFileName is the advisory lock file that sits beside the cache file.
// The protocol (tokencache-compat docs/concurrency.md): the file is created
// 0600 and never removed; a writer holds an exclusive flock on it around
// load, change and replace; a reader holds a shared one around its load.
// The kernel releases the lock when its holder dies, so a lock file left
// behind by a killed process wedges nobody.
const LockFileName = "token-cache.lock"

// defaultCachePath is the SDK's default location, $HOME/.databricks/token-cache.json.
func defaultCachePath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".databricks", "token-cache.json"), nil
}

// LockPath is the lock file for the cache at cachePath ("" = default location).
func LockPath(cachePath string) (string, error) {
	if cachePath == "" {
		p, err := defaultCachePath()
		if err != nil {
			return "", fmt.Errorf("lock: %w", err)
		}
		cachePath = p
	}
	return filepath.Join(filepath.Dir(cachePath), LockFileName), nil
}

// WithLock runs fn holding the lock at lockPath: exclusive for a writer,
// shared for a reader. fn's error comes back unchanged; a failure to take
// the lock is an error starting with "lock: ".
func WithLock(lockPath string, exclusive bool, fn func() error) error {
	release, err := acquireLock(lockPath, exclusive)
	if err != nil {
		return err
	}
	defer release()
	return fn()
}

// LockedOpen wraps an Open function so that opening the cache (which may
// create the file) and every Store and Lookup on it hold the lock.
// Testee.Lock (or the --lock argument of Main) applies it to Testee.Open.
func LockedOpen(open func(path string) (Cache, error)) func(path string) (Cache, error) {
	return func(path string) (Cache, error) {
		lockPath, err := LockPath(path)
		if err != nil {
			return nil, err
		}
		// The lock file needs its directory before the cache code would make it.
		if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
			return nil, fmt.Errorf("lock: mkdir: %w", err)
		}
		var c Cache
		err = WithLock(lockPath, true, func() error {
			var openErr error
			c, openErr = open(path)
			return openErr
		})
		if err != nil {
			return nil, err
		}
		return &lockedCache{inner: c, lockPath: lockPath}, nil
	}
}

// lockedCache holds the lock around each call of the cache it wraps.
type lockedCache struct {
	inner    Cache
	lockPath string
}

func (c *lockedCache) Store(key string, t *oauth2.Token) error {
	return WithLock(c.lockPath, true, func() error { return c.inner.Store(key, t) })
}

func (c *lockedCache) Lookup(key string) (*oauth2.Token, error) {
	var t *oauth2.Token
	err := WithLock(c.lockPath, false, func() error {
		var lookupErr error
		t, lookupErr = c.inner.Lookup(key)
		return lookupErr
	})
	return t, err
}
