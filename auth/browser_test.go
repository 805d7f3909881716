package auth

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestBrowserGetsNoSecrets: the browser opener, here a script named by
// $BROWSER that reports its environment and arguments through a FIFO,
// sees none of banktui's secrets, keeps what a browser needs, and gets
// the URL as its argument.
func TestBrowserGetsNoSecrets(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "report")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "browser")
	body := "#!/bin/sh\necho chatter on stdout; echo chatter on stderr >&2\n{ echo \"ARG=$1\"; env; } > '" + fifo + "'\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"TRUELAYER_CLIENT_SECRET": "tl-secret-from-env-0123456789",
		"TRUELAYER_CLIENT_ID":     "sandbox-client-id-in-env",
		"BANKTUI_CONFIG":          "/somewhere/config.toml",
		"GITHUB_TOKEN":            "ghp_token-from-env-0123456789",
		"AWS_SECRET_ACCESS_KEY":   "aws-secret-from-env-0123456789",
		"PGPASSWORD":              "pg-password-from-env-0123456",
		"OPENAI_API_KEY":          "sk-api-key-from-env-0123456789",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
		issued(v)
	}
	t.Setenv("DISPLAY", ":42")
	t.Setenv("XAUTHORITY", "/home/u/.Xauthority")
	t.Setenv("BROWSER", "/nonexistent/browser %s:"+script)

	const link = "https://auth.example.com/?response_type=code&state=abc"
	if err := OpenBrowser(link); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(fifo) // blocks until the script writes
	if err != nil {
		t.Fatal(err)
	}
	report, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(report), "\n")
	for k, v := range secrets {
		if strings.Contains(string(report), v) || slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, k+"=") }) {
			t.Errorf("the browser inherited %s", k)
		}
	}
	for _, want := range []string{"ARG=" + link, "DISPLAY=:42", "XAUTHORITY=/home/u/.Xauthority", "PATH=" + os.Getenv("PATH")} {
		if !slices.Contains(lines, want) {
			t.Errorf("the browser did not get %q", want)
		}
	}
}

// TestBrowserOutputDiscarded: the opener's output goes to the null
// device, never to banktui's terminal.
func TestBrowserOutputDiscarded(t *testing.T) {
	cmd, err := browserCommand("https://auth.example.com/", "/bin/true", "linux")
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Stdin != nil || cmd.Stdout != nil || cmd.Stderr != nil {
		t.Errorf("the browser is connected to banktui's terminal: %v %v %v", cmd.Stdin, cmd.Stdout, cmd.Stderr)
	}
}

func TestBrowserArguments(t *testing.T) {
	const u = "https://auth.example.com/?a=1"
	cases := []struct {
		browser string
		want    []string
	}{
		{"/bin/echo --new-tab %s", []string{"/bin/echo", "--new-tab", u}},
		{"/bin/echo", []string{"/bin/echo", u}},
		{"/nonexistent:/bin/echo -x", []string{"/bin/echo", "-x", u}},
	}
	for _, c := range cases {
		got, err := browserArgv(u, c.browser, "linux")
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("BROWSER=%q: %q, %v; want %q", c.browser, got, err, c.want)
		}
	}
	for _, bad := range []string{"-oProxyCommand=x", "file:///etc/passwd", "javascript:alert(1)", "https:///nohost"} {
		if _, err := browserCommand(bad, "/bin/echo", "linux"); err == nil {
			t.Errorf("%q would be opened", bad)
		}
	}
}
