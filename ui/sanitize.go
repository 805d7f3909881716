package ui

import "github.com/banktui/banktui/ledger"

// Sanitize makes untrusted bank text safe to print in a terminal; see
// ledger.Sanitize for the rules.
func Sanitize(s string) string { return ledger.Sanitize(s) }
