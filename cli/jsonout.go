package cli

import (
	"encoding/json"
	"io"
)

// writeJSON prints v indented, without HTML escaping (bank text stays as sent).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
