package truelayertest

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
)

// The pages use inline CSS only: no external resources, so the dialog works
// offline and under a strict CSP.
const pageStyle = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d1f23;margin:0}
main{max-width:26rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0002}
h1{font-size:1.3rem;margin:0 0 .3rem} p.sub{color:#555;margin:0 0 1.2rem}
fieldset{border:1px solid #ddd;border-radius:8px;margin:0 0 1rem;padding:.6rem 1rem}
label{display:block;margin:.35rem 0} input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #bbb;border-radius:6px}
.buttons{display:flex;flex-direction:row-reverse;gap:.6rem;margin-top:1.2rem} button{flex:1;padding:.6rem;border-radius:6px;border:1px solid #888;font-size:1rem;cursor:pointer}
button.allow{background:#0b6b4f;color:#fff;border-color:#0b6b4f} .err{color:#a40000;font-weight:600}
small{color:#666} code{background:#eee;padding:0 .2rem;border-radius:3px}`

var dialogTmpl = template.Must(template.New("dialog").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Connect your bank - TrueLayer emulator</title><style>` + pageStyle + `</style></head>
<body><main>
<h1>Connect your bank</h1>
<p class="sub"><strong>{{.ClientID}}</strong> would like to read: {{range $i, $s := .Scopes}}{{if $i}}, {{end}}{{$s}}{{end}}.</p>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}" id="consent">
<input type="hidden" name="session" value="{{.Session}}">
<fieldset><legend>Your bank</legend>
{{range $i, $p := .Providers}}<label><input type="radio" name="provider" value="{{$p.ID}}"{{if eq $i 0}} checked{{end}}> {{$p.Name}} <small>({{$p.ID}})</small></label>
{{end}}</fieldset>
<label for="username">Username</label><input type="text" id="username" name="username" value="{{.Username}}" autocomplete="username">
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password">
<p><small>Mock users: <code>john</code>/<code>doe</code> (or <code>john2</code>/<code>doe2</code> ...), <code>john</code>/<code>eternal</code>, <code>error.provider_error</code>/<code>error</code>.</small></p>
<div class="buttons">{{/* Allow first: Enter in a field presses the first button. Shown on the right. */}}
<button type="submit" name="action" value="allow" id="allow" class="allow">Allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
</div>
</form>
</main></body></html>`))

type dialogData struct {
	ClientID, Session, Action, Username, Error string
	Scopes                                     []string
	Providers                                  []*providerSpec
}

func (s *Server) dialogPage(w http.ResponseWriter, status int, session string, req authRequest, username, errMsg string) {
	writeHTML(w, status, dialogTmpl, dialogData{
		ClientID: req.ClientID, Session: session, Action: "/auth/", Username: username,
		Error: errMsg, Scopes: req.Scopes, Providers: shownFor(req),
	})
}

var errorTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Error - TrueLayer emulator</title><style>` + pageStyle + `</style></head>
<body><main><h1>Something went wrong</h1><p class="err" id="error">{{.Code}}</p><p>{{.Description}}</p></main></body></html>`))

func (s *Server) errorPage(w http.ResponseWriter, status int, code, desc string) {
	writeHTML(w, status, errorTmpl, map[string]string{"Code": code, "Description": desc})
}

// The form_post page. No element may be named or id'd "submit": it would
// shadow form.submit() and the auto-submit would silently fail.
var formPostTmpl = template.Must(template.New("formpost").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Returning to the app</title><style>` + pageStyle + `</style></head>
<body onload="document.forms[0].submit()"><main>
<form method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><p>JavaScript is off: press Continue.</p><button type="submit">Continue</button></noscript>
</form>
<p>Returning to the app...</p>
</main></body></html>`))

type formField struct{ Name, Value string }

func formPostPage(w http.ResponseWriter, action string, params url.Values) {
	var fields []formField
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range params[k] {
			fields = append(fields, formField{k, v})
		}
	}
	writeHTML(w, 200, formPostTmpl, map[string]any{"Action": template.URL(action), "Fields": fields})
}

func writeHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "template failed", 500)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action *; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
