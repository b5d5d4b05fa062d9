// Command example-storecopy is a worked example of plugging one's own cache
// into tokencache-compat: the SDK v0.129.0 file cache copied into another
// package (./tokenstore, a local module wired in with a go.mod replace), kept
// behind a store-shaped API (Put/Lookup/Delete with a context), adapted to the
// SDK's TokenCache shape with conformance.FromStore, plus a CLI-style mirroring
// wrapper for the "wrapper" and "sdk+wrapper" dual writes.
//
// Its error messages name its own Go types (tokenstore.storeFile, fileEntry),
// so it passes the suite with `run --messages go-types` and fails it with the
// default strict messages; see docs/go-kit.md.
package main

import (
	"context"
	"errors"

	"example.com/acme/tokenstore"
	"github.com/databricks/databricks-sdk-go/credentials/u2m"
	"tokencachecompat/conformance"
)

func main() {
	conformance.Main(conformance.Testee{
		Name:    "example-storecopy",
		Version: "v0.129.0-copy",
		Open: func(path string) (conformance.Cache, error) {
			var opts []tokenstore.Option
			if path != "" {
				opts = append(opts, tokenstore.WithLocation(path))
			}
			s, err := tokenstore.Open(opts...)
			if err != nil {
				return nil, err
			}
			return conformance.FromStore(s), nil
		},
		IsNotFound: func(err error) bool { return errors.Is(err, tokenstore.ErrNotFound) },
		CacheKey: func(a conformance.Arg) (string, string, error) {
			k, err := keysOf(a)
			return k.primary, k.host, err
		},
		DualStores: map[string]conformance.DualStoreFunc{
			conformance.ViaWrapper:    wrapperStore,
			conformance.ViaSDK:        sdkStore,
			conformance.ViaSDKWrapper: sdkStore,
		},
	})
}

// keys are an argument's primary and host cache keys.
type keys struct{ primary, host string }

// newArg builds the argument with the SDK's own constructors.
func newArg(a conformance.Arg) (u2m.OAuthArgument, error) {
	switch a.Kind {
	case conformance.ArgWorkspace:
		return u2m.NewProfileWorkspaceOAuthArgument(a.Host, a.Profile)
	case conformance.ArgAccount:
		return u2m.NewProfileAccountOAuthArgument(a.Host, a.AccountID, a.Profile)
	case conformance.ArgUnified:
		return u2m.NewProfileUnifiedOAuthArgument(a.Host, a.AccountID, a.Profile)
	case conformance.ArgDiscovery:
		arg, err := u2m.NewBasicDiscoveryOAuthArgument(a.Profile)
		if err != nil {
			return nil, err
		}
		arg.SetDiscoveredHost(a.DiscoveredHost)
		return arg, nil
	}
	return nil, conformance.Unsupported("argument kind %q", a.Kind)
}

func keysOf(a conformance.Arg) (keys, error) {
	arg, err := newArg(a)
	if err != nil {
		return keys{}, err
	}
	host := ""
	if d, ok := arg.(u2m.DiscoveryOAuthArgument); ok {
		host = d.GetDiscoveredHost()
	} else if h, ok := arg.(u2m.HostCacheKeyProvider); ok {
		host = h.GetHostCacheKey()
	}
	return keys{primary: arg.GetCacheKey(), host: host}, nil
}

// wrapperStore is the "wrapper" dual write: Store(key, token) through the
// mirroring wrapper, where an absent key means the argument's primary key.
func wrapperStore(c conformance.Cache, r conformance.DualStoreRequest) error {
	k, err := keysOf(r.Arg)
	if err != nil {
		return err
	}
	return mirroring{inner: c, keys: k}.Store(r.Key.Or(k.primary), r.Token)
}

// sdkStore is the SDK's own private dual write ("sdk"), or the same through
// the wrapper ("sdk+wrapper"), driven by a forced refresh with the kit's probe.
func sdkStore(c conformance.Cache, r conformance.DualStoreRequest) error {
	if err := conformance.UnsupportedDiscoveryRefresh(r.Via, r.Arg); err != nil {
		return err
	}
	arg, err := newArg(r.Arg)
	if err != nil {
		return err
	}
	target := c
	if r.Via == conformance.ViaSDKWrapper {
		k, err := keysOf(r.Arg)
		if err != nil {
			return err
		}
		target = mirroring{inner: c, keys: k}
	}
	probe := conformance.NewRefreshProbe(target, r.Token)
	auth, err := u2m.NewPersistentAuth(context.Background(),
		u2m.WithTokenCache(probe),
		u2m.WithOAuthArgument(arg),
		u2m.WithHttpClient(probe.HTTPClient()),
		u2m.WithOAuthEndpointSupplier(endpoints{}),
		u2m.WithBrowser(func(string) error { return errors.New("no browser in a testee") }))
	if err != nil {
		return err
	}
	_, err = auth.ForceRefreshToken()
	return probe.Result(err)
}

// endpoints points every argument at the probe's fake token endpoint.
type endpoints struct{}

type server = u2m.OAuthAuthorizationServer

var probeServer = &server{TokenEndpoint: conformance.ProbeTokenURL}

func (endpoints) GetWorkspaceOAuthEndpoints(context.Context, string) (*server, error) {
	return probeServer, nil
}

func (endpoints) GetAccountOAuthEndpoints(context.Context, string, string) (*server, error) {
	return probeServer, nil
}

func (endpoints) GetUnifiedOAuthEndpoints(context.Context, string, string) (*server, error) {
	return probeServer, nil
}

func (endpoints) GetEndpointsFromURL(context.Context, string) (*server, error) {
	return probeServer, nil
}
