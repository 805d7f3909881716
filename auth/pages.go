package auth

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"

	"github.com/banktui/banktui/assets"
	"github.com/banktui/banktui/config"
)

var pages = template.Must(template.ParseFS(assets.Callback, "callback/*.html"))

// pageData fills callback/success.html and callback/failure.html.
type pageData struct {
	status   int
	success  bool
	Provider string
	Title    string
	Reason   string
	Waiting  bool // the listener keeps waiting for the right answer
}

func pageFor(conn *config.Connection, err error) pageData {
	if err == nil {
		return pageData{status: http.StatusOK, success: true, Provider: conn.ProviderName}
	}
	title := "The bank was not connected"
	var le *LoginError
	if errors.As(err, &le) && le.Code == "access_denied" {
		title = "Consent declined"
	}
	// Error texts of this package and of truelayer carry no secrets
	// (they are redacted at the source); the page shows them as text.
	return pageData{status: http.StatusBadRequest, Title: title, Reason: err.Error()}
}

func renderPage(w http.ResponseWriter, status int, p pageData) {
	name := "failure.html"
	if p.success {
		name = "success.html"
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, p); err != nil {
		http.Error(w, "banktui: page error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
