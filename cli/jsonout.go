package cli

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/banktui/banktui/ledger"
)

// writeJSON prints v indented, without HTML escaping: bank text stays as
// sent, except that controls and bidi overrides are written as \uXXXX
// (ledger.EscapeJSON), so the document is the bank's text to a JSON reader
// and inert on a terminal.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(ledger.EscapeJSON(buf.Bytes()))
	return err
}
