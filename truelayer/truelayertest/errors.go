package truelayertest

import (
	"encoding/json"
	"net/http"
)

// oauthError is an auth-server or Data API error body.
type oauthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
	// Details is the optional error_details object of TrueLayer's shape
	// (§2.4): a map of strings, sent only when a fault asks for it.
	Details map[string]string `json:"error_details,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func newErr(status int, code, desc string) *oauthError {
	return &oauthError{Status: status, Code: code, Description: desc}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = 500, []byte(`{"error":"internal_error","error_description":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeErr(w http.ResponseWriter, e *oauthError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="`+e.Code+`"`)
	}
	writeJSON(w, e.Status, e)
}
