package conformance

import (
	"context"

	"golang.org/x/oauth2"
)

// Store is a store-shaped token cache: Put, Lookup and Delete with a context,
// as a CLI or service often keeps its cache behind its own interface.
// FromStore adapts one to Cache, which is also the SDK's cache.TokenCache
// (Store(key, nil) deletes), so the SDK's own code can write through it.
type Store interface {
	Put(ctx context.Context, key string, t *oauth2.Token) error
	Lookup(ctx context.Context, key string) (*oauth2.Token, error)
	Delete(ctx context.Context, key string) error
}

// StoreFuncs is a Store made of functions, for caches whose methods have other
// names or shapes. A nil Delete makes deletes answer kind "unsupported".
type StoreFuncs struct {
	PutFunc    func(ctx context.Context, key string, t *oauth2.Token) error
	LookupFunc func(ctx context.Context, key string) (*oauth2.Token, error)
	DeleteFunc func(ctx context.Context, key string) error
}

// Put calls PutFunc.
func (f StoreFuncs) Put(ctx context.Context, key string, t *oauth2.Token) error {
	return f.PutFunc(ctx, key, t)
}

// Lookup calls LookupFunc.
func (f StoreFuncs) Lookup(ctx context.Context, key string) (*oauth2.Token, error) {
	return f.LookupFunc(ctx, key)
}

// Delete calls DeleteFunc, or answers unsupported when there is none.
func (f StoreFuncs) Delete(ctx context.Context, key string) error {
	if f.DeleteFunc == nil {
		return Unsupported("this store has no Delete")
	}
	return f.DeleteFunc(ctx, key)
}

// FromStore adapts a Store to Cache: Store(key, t) is Put, Store(key, nil) is
// Delete (the SDK's TokenCache deletes on a nil token), Lookup is Lookup. Every
// call gets context.Background(); use FromStoreContext to pass another.
func FromStore(s Store) Cache { return FromStoreContext(context.Background(), s) }

// FromStoreContext is FromStore with ctx for every call.
func FromStoreContext(ctx context.Context, s Store) Cache { return storeCache{ctx: ctx, s: s} }

type storeCache struct {
	ctx context.Context
	s   Store
}

func (c storeCache) Store(key string, t *oauth2.Token) error {
	if t == nil {
		return c.s.Delete(c.ctx, key)
	}
	return c.s.Put(c.ctx, key, t)
}

func (c storeCache) Lookup(key string) (*oauth2.Token, error) {
	return c.s.Lookup(c.ctx, key)
}
