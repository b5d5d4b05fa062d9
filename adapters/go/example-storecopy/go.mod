module tokencachecompat/example-storecopy

go 1.24.0

require (
	example.com/acme/tokenstore v0.0.0
	github.com/databricks/databricks-sdk-go v0.129.0
	golang.org/x/oauth2 v0.34.0
	tokencachecompat/conformance v0.0.0
)

require (
	github.com/google/go-querystring v1.1.0 // indirect
	github.com/pkg/browser v0.0.0-20240102092130-5ac0b6a4141c // indirect
	golang.org/x/exp v0.0.0-20240222234643-814bf88cf225 // indirect
	golang.org/x/mod v0.30.0 // indirect
	golang.org/x/sys v0.39.0 // indirect
	golang.org/x/text v0.32.0 // indirect
	golang.org/x/time v0.5.0 // indirect
)

// Unpublished modules: the cache package under test and the kit, from this checkout.
replace example.com/acme/tokenstore => ./tokenstore

replace tokencachecompat/conformance => ../conformance
