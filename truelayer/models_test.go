package truelayer

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAmountRoundTrip: amounts keep the bank's exact text through JSON.
func TestAmountRoundTrip(t *testing.T) {
	for _, s := range []string{"-2.99", "1161.2", "0.1", "5479.0", "0", "-0.01", "123456789012345678901234567890.123456789", "1e3"} {
		var a Amount
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		out, err := json.Marshal(a)
		if err != nil || string(out) != s {
			t.Errorf("round trip %s => %s, %v", s, out, err)
		}
		if !a.Equal(MustAmount(s)) {
			t.Errorf("%s: value differs from the text", s)
		}
	}
	// Exact arithmetic: 0.1 + 0.2 == 0.3, which float64 gets wrong.
	if !MustAmount("0.1").Add(MustAmount("0.2")).Equal(MustAmount("0.3")) {
		t.Error("0.1 + 0.2 != 0.3")
	}
	var sum Amount
	for range 10 {
		sum = sum.Add(MustAmount("0.1"))
	}
	if sum.String() != "1" {
		t.Errorf("10 x 0.1 = %s", sum)
	}
}

func TestAmountInStructs(t *testing.T) {
	var tx Transaction
	if err := json.Unmarshal([]byte(`{"amount":-2.99,"running_balance":{"amount":1161.2,"currency":"GBP"},"unknown_field":[1,2]}`), &tx); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(tx)
	if !strings.Contains(string(out), `"amount":-2.99`) || !strings.Contains(string(out), `"amount":1161.2`) {
		t.Errorf("re-encoded = %s", out)
	}
	// Quoted decimals are accepted; the re-encoding is a JSON number.
	var b Balance
	if err := json.Unmarshal([]byte(`{"current":"12.50","available":" 3 ","overdraft":null}`), &b); err != nil {
		t.Fatal(err)
	}
	if b.Current.String() != "12.50" || b.Available.String() != "3" || b.Overdraft != nil {
		t.Errorf("balance = %+v", b)
	}
	out, err := json.Marshal(b)
	if err != nil || !json.Valid(out) {
		t.Errorf("marshal = %s, %v", out, err)
	}
}

func TestAmountRejectsGarbage(t *testing.T) {
	for _, s := range []string{`"abc"`, `true`, `{}`, `"1e999999"`, `1e-999`} {
		var a Amount
		if err := json.Unmarshal([]byte(s), &a); err == nil {
			t.Errorf("%s accepted as %s", s, a)
		}
	}
}

// TestTimestampForms: every form the API sends.
func TestTimestampForms(t *testing.T) {
	cases := map[string]time.Time{
		"2017-02-07T17:29:24.740802Z":   time.Date(2017, 2, 7, 17, 29, 24, 740802000, time.UTC),
		"2018-03-06T00:00:00":           time.Date(2018, 3, 6, 0, 0, 0, 0, time.UTC),
		"2018-03-06T00:00:00+01:00":     time.Date(2018, 3, 5, 23, 0, 0, 0, time.UTC),
		"2018-03-06T00:00:00+0100":      time.Date(2018, 3, 5, 23, 0, 0, 0, time.UTC),
		"2017-10-12T07:17:54.8144949Z":  time.Date(2017, 10, 12, 7, 17, 54, 814494900, time.UTC),
		"2024-05-01":                    time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		"2019-01-07 10:00:00.000":       time.Date(2019, 1, 7, 10, 0, 0, 0, time.UTC),
		"2017-01":                       time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC),
		"2018-03-06T00:00:00.123456789": time.Date(2018, 3, 6, 0, 0, 0, 123456789, time.UTC),
	}
	for in, want := range cases {
		var ts Timestamp
		if err := json.Unmarshal([]byte(`"`+in+`"`), &ts); err != nil {
			t.Fatal(err)
		}
		if !ts.Valid() || !ts.Time.Equal(want) || ts.Raw != in {
			t.Errorf("%s => %v (raw %q), want %v", in, ts.Time, ts.Raw, want)
		}
	}
	for _, bad := range []string{`"2017-02 - 07T17: 33:30.001222Z"`, `"yesterday"`, `12345`, `{"a":1}`} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(bad), &ts); err != nil || ts.Valid() || ts.Raw == "" {
			t.Errorf("%s => %+v, %v; want Raw kept, Time zero, no error", bad, ts, err)
		}
	}
}

// TestMalformedTimestampKeepsResponse: data-balance.json's broken timestamp
// does not sink the decode.
func TestMalformedTimestampKeepsResponse(t *testing.T) {
	bs, err := DecodeResults[Balance](loadFixture(t, "data-balance.json"))
	if err != nil || len(bs) != 1 {
		t.Fatalf("decode = %v, %v", bs, err)
	}
	if bs[0].UpdateTimestamp.Raw != "2017-02 - 07T17: 33:30.001222Z" || bs[0].UpdateTimestamp.Valid() || bs[0].Current.String() != "1161.2" {
		t.Errorf("balance = %+v", bs[0])
	}
	out, err := json.Marshal(bs[0])
	if err != nil || !strings.Contains(string(out), `"update_timestamp":"2017-02 - 07T17: 33:30.001222Z"`) {
		t.Errorf("re-encoded = %s, %v", out, err)
	}
}

func TestAmountArithmetic(t *testing.T) {
	a, b := MustAmount("10.50"), MustAmount("-2.99")
	if got := a.Add(b); got.String() != "7.51" {
		t.Errorf("Add = %s", got)
	}
	if got := a.Sub(b); got.String() != "13.49" {
		t.Errorf("Sub = %s", got)
	}
	if b.Neg().String() != "2.99" || b.Abs().String() != "2.99" || b.Sign() != -1 || !a.GreaterThan(b) || !b.LessThan(a) || a.Cmp(a) != 0 {
		t.Error("sign helpers")
	}
	if a.MulInt(3).String() != "31.5" || MustAmount("2.345").Round(2).String() != "2.35" || a.StringFixed(3) != "10.500" {
		t.Error("MulInt/Round/StringFixed")
	}
	if m, ok := b.Minor(2); !ok || m != -299 {
		t.Errorf("Minor(2) = %d, %v", m, ok)
	}
	if _, ok := MustAmount("0.001").Minor(2); ok {
		t.Error("0.001 has no exact pence")
	}
	if !AmountFromMinor(-299, 2).Equal(b) || !AmountFromDecimal(b.Decimal()).Equal(b) || !(Amount{}).IsZero() {
		t.Error("constructors")
	}
	if _, err := NewAmount("12,50"); err == nil {
		t.Error("NewAmount accepted a comma")
	}
}

func TestEnvironments(t *testing.T) {
	if EnvironmentFor("sandbox-x") != Sandbox || EnvironmentFor("x") != Live {
		t.Error("EnvironmentFor")
	}
	for name, want := range map[string]Environment{"live": Live, " Sandbox ": Sandbox, "production": Live} {
		if got, err := EnvironmentNamed(name); err != nil || got != want {
			t.Errorf("EnvironmentNamed(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := EnvironmentNamed("staging"); err == nil {
		t.Error("unknown environment accepted")
	}
	if ValidateScopes(AvailableScopes) != nil || ValidateScopes(DefaultScopes) != nil {
		t.Error("known scopes rejected")
	}
}

func TestTimestampOut(t *testing.T) {
	ts := NewTimestamp(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	if ts.String() != "2024-01-02T03:04:05Z" || (Timestamp{}).String() != "" || !(Timestamp{}).IsZero() {
		t.Errorf("String = %q", ts)
	}
	out, _ := json.Marshal(struct {
		A Timestamp `json:"a"`
		B Timestamp `json:"b,omitzero"`
	}{A: ts})
	if string(out) != `{"a":"2024-01-02T03:04:05Z"}` {
		t.Errorf("marshal = %s", out)
	}
}
