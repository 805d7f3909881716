package truelayer

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Timestamp is a point in time as the API sent it. The API is loose about
// formats (with and without an offset, date only, fractional seconds, and
// sometimes plain garbage), so decoding never fails on a malformed string: Time
// stays zero and Raw keeps the text, so one bad field cannot sink a whole
// response.
type Timestamp struct {
	Time time.Time // UTC when the API sent no offset; zero if unparseable
	Raw  string    // the text the API sent
}

// timestampLayouts are tried in order; the ones without an offset are UTC.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
	"2006-01",
}

// ParseTimestamp parses s in any of the forms the API sends. ok is false
// when s is not a recognisable time; the Timestamp still keeps Raw.
func ParseTimestamp(s string) (ts Timestamp, ok bool) {
	ts.Raw = s
	t := strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if p, err := time.Parse(layout, t); err == nil {
			ts.Time = p
			return ts, true
		}
	}
	return ts, false
}

// NewTimestamp returns a Timestamp for t, formatted as RFC 3339.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t} }

// Valid reports whether the text parsed as a time.
func (ts Timestamp) Valid() bool { return !ts.Time.IsZero() }

// IsZero reports whether nothing was sent (for the omitzero tag).
func (ts Timestamp) IsZero() bool { return ts.Time.IsZero() && ts.Raw == "" }

// String returns the raw text if there is one, else RFC 3339.
func (ts Timestamp) String() string {
	if ts.Raw != "" {
		return ts.Raw
	}
	if ts.Time.IsZero() {
		return ""
	}
	return ts.Time.Format(time.RFC3339Nano)
}

// MarshalJSON writes the text the API sent, or RFC 3339.
func (ts Timestamp) MarshalJSON() ([]byte, error) {
	if ts.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(ts.String())
}

// UnmarshalJSON never fails: a value that is not a time string is kept in Raw.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*ts = Timestamp{}
		return nil
	}
	var s string
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && bytes.IndexByte(b[1:n-1], '"') < 0 {
		s = string(b[1 : n-1]) // the common case: no escapes to undo
	} else if err := json.Unmarshal(b, &s); err != nil {
		// Not a JSON string: kept as text, parsed as such, so that it
		// reads the same once MarshalJSON has written it as a string.
		s = string(b)
	}
	*ts, _ = ParseTimestamp(s)
	return nil
}
