package conformance

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/oauth2"
)

// wireToken is a Token as protocol v1 carries it.
type wireToken struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	Expiry       string `json:"expiry"`
	ExpiresIn    int64  `json:"expires_in"`
}

// extendedTime matches RFC 3339 timestamps whose year time.Parse cannot read:
// more than four digits or a leading minus.
var extendedTime = regexp.MustCompile(
	`^(-\d{4,}|\d{5,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$`)

// parseExpiry reads an expiry the way protocol v1 defines it.
func parseExpiry(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	} else if !extendedTime.MatchString(s) {
		return time.Time{}, err
	}
	m := extendedTime.FindStringSubmatch(s)
	n := make([]int, 6)
	for i := range n {
		v, err := strconv.Atoi(m[i+1])
		if err != nil {
			return time.Time{}, fmt.Errorf("expiry %q: %w", s, err)
		}
		n[i] = v
	}
	nanos := 0
	if m[7] != "" {
		frac := m[7] + "000000000"[len(m[7]):]
		nanos, _ = strconv.Atoi(frac) // nine digits always parse
	}
	loc := time.UTC
	if m[8] != "Z" {
		hh, _ := strconv.Atoi(m[8][1:3])
		mm, _ := strconv.Atoi(m[8][4:6])
		offset := hh*3600 + mm*60
		if m[8][0] == '-' {
			offset = -offset
		}
		loc = time.FixedZone("", offset)
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], nanos, loc)
	// time.Date normalises out-of-range fields; the protocol wants them refused.
	if t.Month() != time.Month(n[1]) || t.Day() != n[2] || t.Hour() != n[3] ||
		t.Minute() != n[4] || t.Second() != n[5] {
		return time.Time{}, fmt.Errorf("expiry %q: field out of range", s)
	}
	return t, nil
}

// decodeToken builds the oauth2.Token a request describes.
func decodeToken(w wireToken) (*oauth2.Token, error) {
	expiry, err := parseExpiry(w.Expiry)
	if err != nil {
		return nil, err
	}
	t := &oauth2.Token{
		AccessToken:  w.AccessToken,
		TokenType:    w.TokenType,
		RefreshToken: w.RefreshToken,
		Expiry:       expiry,
	}
	setExpiresIn(t, w.ExpiresIn)
	return t, nil
}

// encodeToken renders a token for a response.
func encodeToken(t *oauth2.Token) wireToken {
	return wireToken{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry.Format(time.RFC3339Nano),
		ExpiresIn:    expiresIn(t),
	}
}

// setExpiresIn sets the ExpiresIn field when the struct has one: it exists
// only from golang.org/x/oauth2 v0.23.0 on, and older releases drop the value.
func setExpiresIn(t any, v int64) {
	f := reflect.ValueOf(t).Elem().FieldByName("ExpiresIn")
	if f.IsValid() && f.CanSet() && f.CanInt() {
		f.SetInt(v)
	}
}

// expiresIn reads the ExpiresIn field, 0 when the struct has none.
func expiresIn(t any) int64 {
	f := reflect.ValueOf(t).Elem().FieldByName("ExpiresIn")
	if f.IsValid() && f.CanInt() {
		return f.Int()
	}
	return 0
}
