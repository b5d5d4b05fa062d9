// Command sdk-v0.129.0 serves protocol v1 for databricks-sdk-go v0.129.0's
// file token cache, cache keys and private dual write.
package main

import (
	"context"
	"errors"

	"github.com/databricks/databricks-sdk-go/credentials/u2m"
	"github.com/databricks/databricks-sdk-go/credentials/u2m/cache"
	"golang.org/x/oauth2"
	"tokencachecompat/conformance"
)

func main() {
	conformance.Main(conformance.Testee{
		Name:    "go-sdk",
		Version: "v0.129.0",
		Open: func(path string) (conformance.Cache, error) {
			if path == "" {
				return cache.NewFileTokenCache()
			}
			return cache.NewFileTokenCache(cache.WithFileLocation(path))
		},
		IsNotFound: func(err error) bool { return errors.Is(err, cache.ErrNotFound) },
		CacheKey: func(a conformance.Arg) (string, string, error) {
			arg, err := newArg(a)
			if err != nil {
				return "", "", err
			}
			hostKey := ""
			if d, ok := arg.(u2m.DiscoveryOAuthArgument); ok {
				hostKey = d.GetDiscoveredHost()
			} else if h, ok := arg.(u2m.HostCacheKeyProvider); ok {
				hostKey = h.GetHostCacheKey()
			}
			return arg.GetCacheKey(), hostKey, nil
		},
		DualStore: map[string]func(conformance.Cache, conformance.Arg, string, *oauth2.Token) error{
			"sdk": dualStore,
		},
	})
}

// newArg builds the argument with the release's own constructors: the Basic
// ones for an argument without a profile (they are public API too, and a
// mutation run showed that nothing else reaches them), the Profile ones
// otherwise.
func newArg(a conformance.Arg) (u2m.OAuthArgument, error) {
	switch {
	case a.Kind == "workspace" && a.Profile == "":
		return u2m.NewBasicWorkspaceOAuthArgument(a.Host)
	case a.Kind == "account" && a.Profile == "":
		return u2m.NewBasicAccountOAuthArgument(a.Host, a.AccountID)
	case a.Kind == "unified" && a.Profile == "":
		return u2m.NewBasicUnifiedOAuthArgument(a.Host, a.AccountID)
	}
	switch a.Kind {
	case "workspace":
		return u2m.NewProfileWorkspaceOAuthArgument(a.Host, a.Profile)
	case "account":
		return u2m.NewProfileAccountOAuthArgument(a.Host, a.AccountID, a.Profile)
	case "unified":
		return u2m.NewProfileUnifiedOAuthArgument(a.Host, a.AccountID, a.Profile)
	case "discovery":
		arg, err := u2m.NewBasicDiscoveryOAuthArgument(a.Profile)
		if err != nil {
			return nil, err
		}
		arg.SetDiscoveredHost(a.DiscoveredHost)
		return arg, nil
	}
	return nil, conformance.Unsupported("argument kind %q", a.Kind)
}

// dualStore drives the SDK's private PersistentAuth.dualWrite through a forced
// refresh; discovery arguments reach it only through a browser login.
func dualStore(c conformance.Cache, a conformance.Arg, _ string, t *oauth2.Token) error {
	if err := conformance.UnsupportedDiscoveryRefresh(conformance.ViaSDK, a); err != nil {
		return err
	}
	arg, err := newArg(a)
	if err != nil {
		return err
	}
	probe := conformance.NewRefreshProbe(c, t)
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
