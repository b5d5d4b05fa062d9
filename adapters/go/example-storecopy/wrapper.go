package main

import (
	"golang.org/x/oauth2"
	"tokencachecompat/conformance"
)

// mirroring is a CLI-style cache wrapper built for one argument, as
// docs/protocol.md defines "wrapper": a store under the primary key is
// mirrored under the host key when there is one and it differs; any other
// key passes straight through.
type mirroring struct {
	inner conformance.Cache
	keys  keys
}

func (m mirroring) Store(key string, t *oauth2.Token) error {
	if err := m.inner.Store(key, t); err != nil {
		return err
	}
	if key == m.keys.primary && m.keys.host != "" && m.keys.host != key {
		return m.inner.Store(m.keys.host, t)
	}
	return nil
}

func (m mirroring) Lookup(key string) (*oauth2.Token, error) { return m.inner.Lookup(key) }
