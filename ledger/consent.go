package ledger

import "time"

// Consent is what the TUI and the command line show of one saved bank
// connection: its consent's expiry and whether it must be reconnected. The
// caller fills it from the saved credentials (the ledger never reads them),
// so the TUI needs neither config nor auth to show it.
type Consent struct {
	ConnectionID string
	ProviderID   string
	ProviderName string
	ExpiresAt    time.Time // zero if unknown
	// NeedsReconnect: a refresh was refused for good (invalid_grant) or the
	// account list itself was denied; Reason says which, for people.
	NeedsReconnect bool
	Reason         string
}
