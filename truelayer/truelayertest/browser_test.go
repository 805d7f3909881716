package truelayertest_test

import (
	"context"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// TestDialogInRealBrowser drives the auth dialog in Chromium: choose a bank,
// log in, Allow; the form_post page must auto-submit the code to the app.
func TestDialogInRealBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: install it (apt-get install chromium; .ci/run does)")
	}
	srv := newServer(t)
	posted := make(chan map[string]string, 1)
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.ParseForm() != nil {
			http.Error(w, "want a form POST", 400)
			return
		}
		posted <- map[string]string{"code": r.PostForm.Get("code"), "state": r.PostForm.Get("state")}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!DOCTYPE html><h1 id="done">Connected</h1>`))
	})}
	callback := listenLoopback(t, app)
	srv.RegisterClient(truelayertest.ClientRegistration{ID: "browser-app", Secret: "s3", RedirectURIs: []string{callback}})
	ac := truelayer.NewAuthClient(nil, truelayer.AuthConfig{ClientID: "browser-app", ClientSecret: "s3", RedirectURI: callback, AuthURL: srv.AuthURL()})
	link, err := ac.AuthLink(truelayer.AuthLinkParams{State: "b-state", ResponseMode: truelayer.ResponseModeFormPost})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	err = chromedp.Do(bctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.Click(chromedp.CSS(`input[name="provider"][value="ob-castle"]`)),
		chromedp.SendKeys(chromedp.ID("username"), "john"),
		chromedp.SendKeys(chromedp.ID("password"), "doe\r"), // Enter must mean Allow, not Deny

		chromedp.WaitVisible(chromedp.ID("done")),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	var got map[string]string
	select {
	case got = <-posted:
	case <-ctx.Done():
		t.Fatal("the app never received the form_post")
	}
	if got["state"] != "b-state" || got["code"] == "" {
		t.Fatalf("posted state %q, code present %t", got["state"], got["code"] != "")
	}
	tok, err := ac.Exchange(ctx, got["code"], "")
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	me, err := apiClient(srv, tok).Me(ctx)
	if err != nil || me.Provider.ProviderID != truelayertest.ProviderCastle {
		t.Errorf("me after a browser login: %v (provider %v)", err, me)
	}
}
