package conformance

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// RefreshProbe lets a testee drive an SDK's own (private) dual write through a
// real token refresh without touching the network or the clock.
//
// Use it as the SDK's token cache and give the SDK HTTPClient(): Lookup
// answers an expired token that carries a refresh token, the fake token
// endpoint answers a fixed token, and every Store the SDK makes is forwarded
// to the real cache with the token the harness asked for (the refreshed
// token's expiry would depend on the clock).
type RefreshProbe struct {
	target   Cache
	token    *oauth2.Token
	firstErr error
	stores   int
}

// NewRefreshProbe forwards stores of t to target.
func NewRefreshProbe(target Cache, t *oauth2.Token) *RefreshProbe {
	return &RefreshProbe{target: target, token: t}
}

// Lookup answers a token that any SDK release refreshes.
func (p *RefreshProbe) Lookup(string) (*oauth2.Token, error) {
	return &oauth2.Token{
		AccessToken:  "probe-expired",
		TokenType:    "Bearer",
		RefreshToken: "probe-refresh",
		Expiry:       time.Unix(1, 0),
	}, nil
}

// Store forwards the requested token under the SDK's key.
func (p *RefreshProbe) Store(key string, _ *oauth2.Token) error {
	p.stores++
	err := p.target.Store(key, p.token)
	if err != nil && p.firstErr == nil {
		p.firstErr = err
	}
	return err
}

// Result is the dual_store answer: the first store error (the SDK wraps it in
// its own words), else the refresh error, else nil. A store that failed while
// the SDK reported success is an error of its own: an SDK that swallows a
// store error must not pass as one that reports it.
func (p *RefreshProbe) Result(refreshErr error) error {
	if p.firstErr != nil && refreshErr == nil {
		return fmt.Errorf("the SDK reported success although a store failed: %w", p.firstErr)
	}
	if p.firstErr != nil {
		return p.firstErr
	}
	return refreshErr
}

// Stores counts the stores the SDK made.
func (p *RefreshProbe) Stores() int { return p.stores }

// HTTPClient answers every request with a fixed token response.
func (p *RefreshProbe) HTTPClient() *http.Client {
	return &http.Client{Transport: fixedTokenEndpoint{}}
}

// ProbeTokenURL is a token endpoint for fake endpoint suppliers; HTTPClient
// never contacts it.
const ProbeTokenURL = "https://token-endpoint.invalid/oidc/v1/token"

type fixedTokenEndpoint struct{}

func (fixedTokenEndpoint) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	body := `{"access_token":"probe-refreshed","token_type":"Bearer",` +
		`"refresh_token":"probe-refresh-2","expires_in":3600}`
	return &http.Response{
		StatusCode: http.StatusOK,
		Status:     "200 OK",
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"Content-Type": []string{"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
	}, nil
}
