package truelayer

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
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

// FuzzAmount: any JSON value or text either decodes to an amount whose
// JSON is valid and decodes back to an equal amount, or is refused; it
// never panics.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{`-2.99`, `"1161.2"`, `5479.0`, `" 7 "`, `1e3`, `1e65`, `-0`, `null`, `"abc"`, `0.000000001`, `"1e-64"`, `{}`, `"\u0031"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a Amount
		if err := a.UnmarshalJSON([]byte(s)); err == nil {
			out, err := a.MarshalJSON()
			if err != nil || !json.Valid(out) {
				t.Fatalf("%q decoded, but encodes as %q (%v)", s, out, err)
			}
			var back Amount
			if err := back.UnmarshalJSON(out); err != nil || !back.Equal(a) {
				t.Fatalf("%q: %q does not decode back (%v, %s)", s, out, err, back)
			}
		}
		if n, err := NewAmount(s); err == nil {
			if back, err := NewAmount(n.String()); err != nil || !back.Equal(n) {
				t.Fatalf("NewAmount(%q).String() = %q does not parse back", s, n.String())
			}
		}
	})
}

// FuzzTimestamp: decoding never fails, keeps the text it got, and what it
// encodes decodes back to the same time and text.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{`"2018-03-06T00:00:00"`, `"2018-03-06T00:00:00+00:00"`, `"2018-02-18T00:00:00.123Z"`, `"2024-01"`, `"2024-02-30"`, `"not a date"`, `12`, `null`, `"\u00e9"`, `"2018-03-06 10:11:12"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ts, _ := ParseTimestamp(s); ts.Raw != s {
			t.Fatalf("ParseTimestamp(%q) lost its text", s)
		}
		var ts Timestamp
		if err := ts.UnmarshalJSON([]byte(s)); err != nil {
			t.Fatalf("UnmarshalJSON(%q) = %v: it must never fail", s, err)
		}
		out, err := ts.MarshalJSON()
		if err != nil || !json.Valid(out) {
			t.Fatalf("%q: encodes as %q (%v)", s, out, err)
		}
		var back Timestamp
		back.UnmarshalJSON(out)
		if !back.Time.Equal(ts.Time) || utf8.ValidString(ts.Raw) && back.Raw != ts.Raw {
			t.Fatalf("%q: round trip %+v -> %s -> %+v", s, ts, out, back)
		}
	})
}

// FuzzResultsStreaming: decoding a body result by result, as the client
// does, accepts exactly what json.Unmarshal accepts, with the same
// results.
func FuzzResultsStreaming(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "data-*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{`null`, ` {"RESULTS": [{}], "results": null} `, `{"results":[{"amount":"x"}]}`, `{"results":{}}`, `{"results":[]} x`, `{"status":5}`, `{"x":[1,{"y":"\"  z"}],"results":[null]}`, "{\"results\"\t:\n[ ] }", `{"re\u017fults":[{}]}`} {
		f.Add([]byte(s))
	}
	u, _ := url.Parse("https://api.truelayer.com/data/v1/accounts/a/transactions")
	r := newRequester(nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		var want Results[Transaction]
		wantErr := json.Unmarshal(b, &want)
		var got Results[Transaction]
		req := &http.Request{Method: http.MethodGet, URL: u}
		gotErr := r.decodeBody(req, &http.Response{Body: io.NopCloser(bytes.NewReader(b)), ContentLength: -1}, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: json.Unmarshal: %v; streaming: %v", b, wantErr, gotErr)
		}
		if wantErr != nil {
			return
		}
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		if !bytes.Equal(w, g) {
			t.Fatalf("%q: json.Unmarshal gives %s; streaming %s", b, w, g)
		}
	})
}
