module tokencachecompat/conformance

go 1.22

require golang.org/x/oauth2 v0.20.0
