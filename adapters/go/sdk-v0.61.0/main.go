// Command sdk-v0.61.0 serves protocol v1 for databricks-sdk-go v0.61.0, whose
// Lookup reports a missing key as ErrNotConfigured.
package main

import (
	"errors"

	"github.com/databricks/databricks-sdk-go/credentials/u2m"
	"github.com/databricks/databricks-sdk-go/credentials/u2m/cache"
	"tokencachecompat/conformance"
)

func main() {
	conformance.Main(conformance.Testee{
		Name:    "go-sdk",
		Version: "v0.61.0",
		Open: func(path string) (conformance.Cache, error) {
			if path == "" {
				return cache.NewFileTokenCache()
			}
			return cache.NewFileTokenCache(cache.WithFileLocation(path))
		},
		IsNotFound: func(err error) bool { return errors.Is(err, cache.ErrNotConfigured) },
		CacheKey:   cacheKey,
	})
}

// cacheKey builds the argument with the release's own constructors.
func cacheKey(a conformance.Arg) (string, string, error) {
	if a.Profile != "" {
		return "", "", conformance.Unsupported("go-sdk v0.61.0 has no profile cache keys")
	}
	var arg u2m.OAuthArgument
	var err error
	switch a.Kind {
	case "workspace":
		arg, err = u2m.NewBasicWorkspaceOAuthArgument(a.Host)
	case "account":
		arg, err = u2m.NewBasicAccountOAuthArgument(a.Host, a.AccountID)
	default:
		return "", "", conformance.Unsupported("go-sdk v0.61.0 has no %q argument", a.Kind)
	}
	if err != nil {
		return "", "", err
	}
	return arg.GetCacheKey(), "", nil
}
