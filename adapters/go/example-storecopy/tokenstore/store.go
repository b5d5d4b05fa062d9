// Copyright 2022 Databricks, Inc.
//
// Licensed under the Apache License, Version 2.0 (the "License"); you may not
// use this file except in compliance with the License. You may obtain a copy
// of the License in the LICENSE file of this folder or at
//
//	http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
// WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
// License for the specific language governing permissions and limitations
// under the License.
//
// This file is a modified copy of credentials/u2m/cache/file.go and cache.go
// of github.com/databricks/databricks-sdk-go v0.129.0 (see NOTICE).
// Modifications, made for tokencache-compat as a worked example of a cache
// kept in another package behind a store-shaped API:
//   - package cache is package tokenstore;
//   - tokenCacheFile is storeFile, and its entries are fileEntry values that
//     embed oauth2.Token (the bytes on disk are unchanged; Go's error
//     messages name these types instead);
//   - fileTokenCache is Store, with Put, Lookup and Delete taking a context
//     in place of the TokenCache interface's Store and Lookup;
//   - NewFileTokenCache is Open, WithFileLocation is WithLocation.
// The file format, modes, temporary file and every error text stay the SDK's.

// Package tokenstore keeps OAuth tokens in ~/.databricks/token-cache.json.
package tokenstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/oauth2"
)

// ErrNotFound is returned by Lookup for a key the file does not hold.
var ErrNotFound = errors.New("token not found")

const (
	// tokenCacheFilePath is the path of the default token cache, relative to
	// the user's home directory.
	tokenCacheFilePath = ".databricks/token-cache.json"

	// ownerExecReadWrite is the permission for the .databricks directory.
	ownerExecReadWrite = 0o700

	// ownerReadWrite is the permission for the token-cache.json file.
	ownerReadWrite = 0o600

	// tokenCacheVersion is the version of the token cache file format.
	tokenCacheVersion = 1
)

// fileEntry is one token as the file holds it.
type fileEntry struct {
	oauth2.Token
}

// storeFile is the format of the token cache file.
type storeFile struct {
	Version int                   `json:"version"`
	Tokens  map[string]*fileEntry `json:"tokens"`
}

// Option configures Open.
type Option func(*Store)

// WithLocation sets the cache file's path (default ~/.databricks/token-cache.json).
func WithLocation(fileLocation string) Option {
	return func(c *Store) {
		c.fileLocation = fileLocation
	}
}

// Store caches tokens in "~/.databricks/token-cache.json".
type Store struct {
	fileLocation string

	// locker protects the token cache file from concurrent reads and writes.
	locker sync.Mutex
}

// Open creates a new Store. By default, the cache is stored in
// "~/.databricks/token-cache.json". The cache file is created if it does not
// already exist, with owner permissions 0600 in a directory created with
// owner permissions 0700. If the cache file is corrupt or if its version does
// not match tokenCacheVersion, an error is returned.
func Open(opts ...Option) (*Store, error) {
	c := &Store{}
	for _, opt := range opts {
		opt(c)
	}
	if err := c.init(); err != nil {
		return nil, err
	}
	// Fail fast if the cache is not working.
	if _, err := c.load(); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return c, nil
}

// Put stores the token under key, replacing any existing token.
func (c *Store) Put(_ context.Context, key string, t *oauth2.Token) error {
	if t == nil {
		return errors.New("put: nil token (use Delete)")
	}
	return c.write(key, &fileEntry{Token: *t})
}

// Delete removes the token under key (the file is rewritten either way).
func (c *Store) Delete(_ context.Context, key string) error {
	return c.write(key, nil)
}

func (c *Store) write(key string, e *fileEntry) error {
	c.locker.Lock()
	defer c.locker.Unlock()
	f, err := c.load()
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if f.Tokens == nil {
		f.Tokens = map[string]*fileEntry{}
	}
	if e == nil {
		delete(f.Tokens, key)
	} else {
		f.Tokens[key] = e
	}
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("marshal: %w", err)
	}
	if err := c.atomicWriteFile(raw); err != nil {
		return fmt.Errorf("error storing token in local cache: %w", err)
	}
	return nil
}

// Lookup returns the token under key, or ErrNotFound.
func (c *Store) Lookup(_ context.Context, key string) (*oauth2.Token, error) {
	c.locker.Lock()
	defer c.locker.Unlock()
	f, err := c.load()
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	e, ok := f.Tokens[key]
	if !ok {
		return nil, ErrNotFound
	}
	if e == nil {
		return nil, nil
	}
	t := e.Token
	return &t, nil
}

// init initializes the token cache file. It creates the file and directory if
// they do not already exist.
func (c *Store) init() error {
	// set the default file location
	if c.fileLocation == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("failed loading home directory: %w", err)
		}
		c.fileLocation = filepath.Join(home, tokenCacheFilePath)
	}
	// Create the cache file if it does not exist.
	if _, err := os.Stat(c.fileLocation); err != nil {
		if !os.IsNotExist(err) {
			return fmt.Errorf("stat file: %w", err)
		}
		// Create the parent directories if needed.
		if err := os.MkdirAll(filepath.Dir(c.fileLocation), ownerExecReadWrite); err != nil {
			return fmt.Errorf("mkdir: %w", err)
		}

		// Create an empty cache file.
		f := &storeFile{
			Version: tokenCacheVersion,
			Tokens:  map[string]*fileEntry{},
		}
		raw, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return fmt.Errorf("marshal: %w", err)
		}
		if err := c.atomicWriteFile(raw); err != nil {
			return fmt.Errorf("error creating token cache file: %w", err)
		}
	}
	return nil
}

// load loads the token cache file from disk. If the file is corrupt or if its
// version does not match tokenCacheVersion, it returns an error.
func (c *Store) load() (*storeFile, error) {
	raw, err := os.ReadFile(c.fileLocation)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	f := &storeFile{}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if f.Version != tokenCacheVersion {
		return nil, fmt.Errorf("needs version %d, got version %d", tokenCacheVersion, f.Version)
	}
	return f, nil
}

// atomicWriteFile writes data to the file atomically by first writing to a
// temporary file in the same directory and then renaming it to the target.
// This prevents corruption from interrupted writes.
func (c *Store) atomicWriteFile(data []byte) error {
	tmp, err := c.writeTmpFile(data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Rename(tmp, c.fileLocation)
}

func (c *Store) writeTmpFile(data []byte) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(c.fileLocation), ".token-cache-*.tmp")
	if err != nil {
		return "", fmt.Errorf("create temp file: %w", err)
	}
	defer tmp.Close()

	if _, err := tmp.Write(data); err != nil {
		return "", err
	}
	if err := tmp.Chmod(ownerReadWrite); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return tmp.Name(), nil
}
