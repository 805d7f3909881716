package truelayer

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecodeResults: decoding arbitrary bytes as any Data API answer, error
// body, webhook or token never panics, and whatever decodes re-encodes as
// valid JSON. The seed corpus is every fixture in testdata (a quick run).
func FuzzDecodeResults(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"results":[{"amount":1e999999}]}`))
	f.Add([]byte(`{"results":null}`))
	f.Add([]byte(`{"results":[{"timestamp":12,"amount":"x"}]}`))
	u, _ := url.Parse("https://api.truelayer.com/data/v1/accounts?code=x")
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeAll[Me](t, b)
		decodeAll[Info](t, b)
		decodeAll[Account](t, b)
		decodeAll[Balance](t, b)
		decodeAll[Transaction](t, b)
		decodeAll[Card](t, b)
		decodeAll[CardBalance](t, b)
		decodeAll[StandingOrder](t, b)
		decodeAll[DirectDebit](t, b)
		decodeAll[StatusReport](t, b)
		decodeAll[ExtendResponse](t, b)

		var task AsyncResult
		if json.Unmarshal(b, &task) == nil {
			DecodeAsyncResults[Transaction](&task)
		}
		ParseWebhook(bytes.NewReader(b))
		var ps []ProviderInfo
		json.Unmarshal(b, &ps)

		resp := &http.Response{StatusCode: 400 + len(b)%200, Header: http.Header{"Retry-After": {string(b)}}}
		e := newAPIError("GET", u, resp, b, time.Unix(0, 0))
		_ = e.Error()
		if e.RetryAfter < 0 {
			t.Errorf("negative Retry-After %v", e.RetryAfter)
		}
		ParseClaims(string(b))
		ValidateToken(string(b), time.Unix(0, 0), time.Minute)
		RedactString(string(b))
	})
}

func decodeAll[T any](t *testing.T, b []byte) {
	items, err := DecodeResults[T](b)
	if err != nil {
		return
	}
	out, err := json.Marshal(items)
	if err != nil || !json.Valid(out) {
		t.Errorf("%T decoded but re-encodes badly: %v", items, err)
	}
}
