"""Mutation testing of a Go implementation through the spec suite (`tokencache-compat mutate`).

The gate's own strength: small changes (mutants) are made to a Go module's source,
each mutant is built through the user's own testee main, and the suite (and
optionally the differential test) is run on it. A mutant the gate notices is
*killed*; one it does not notice *survived* and marks a path no case checks.

- mutants: targets, mutants as byte-range replacements, their patches
- gotool: builds and runs the Go operator program in adapters/go/mutate
- workspace: the per-worker copy of the module and the go.mod `replace` build
- judge: runs `run` and `diff` on one built mutant as subprocesses, reads verdicts
- engine: baseline, parallel workers, statuses, the score
- report: terminal text and JSON
"""
