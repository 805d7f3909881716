package truelayertest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// FaultKind says what an injected Fault does.
type FaultKind int

// The kinds of fault.
const (
	// Latency delays the response by Latency plus a random part of Jitter
	// (and holds it until Gate is closed, if set).
	Latency FaultKind = iota + 1
	// Status answers with Status (default 503) and a JSON error body (Code,
	// default by status); RetryAfter > 0 adds a Retry-After header in whole
	// seconds. Use it for 429 with and without Retry-After, 500, 502, 503, 504.
	Status
	// Reset closes the TCP connection abruptly (RST) without a response.
	Reset
	// Truncated sends the real status and headers with a Content-Length for
	// the whole body, then half the body, then closes the connection.
	Truncated
	// MalformedJSON answers 200 with a complete body that is not valid JSON.
	MalformedJSON
	// SlowBody sends the real response in Chunks pieces (default 8) with
	// Latency between them.
	SlowBody
	// Unauthorized answers 401 invalid_token, as for a revoked token; with
	// Count N, for the next N calls. It only hits the Data API (/api/...),
	// whatever the Endpoint.
	Unauthorized
	// InvalidGrant makes refresh grants at /connect/token fail with
	// invalid_grant (only refresh grants; the Endpoint is ignored).
	InvalidGrant
	// ClockSkew shifts the emulator's clock by Skew while it handles the
	// matching requests: issued tokens carry shifted iat/nbf/exp, expiry and
	// the Date header use the shifted time.
	ClockSkew
)

func (k FaultKind) String() string {
	switch k {
	case Latency:
		return "latency"
	case Status:
		return "status"
	case Reset:
		return "reset"
	case Truncated:
		return "truncated"
	case MalformedJSON:
		return "malformed_json"
	case SlowBody:
		return "slow_body"
	case Unauthorized:
		return "unauthorized"
	case InvalidGrant:
		return "invalid_grant"
	case ClockSkew:
		return "clock_skew"
	}
	return "none"
}

// Fault is an injected misbehaviour. Endpoint is a path pattern relative to
// the API or auth base, where * matches one path segment:
// "/data/v1/accounts/*/transactions", "/data/v1/me", "/connect/token". A
// trailing "/**" matches any rest ("/data/v1/**"). "" matches every request.
// Full paths ("/api/data/v1/...", "/auth/connect/token") work too.
type Fault struct {
	Endpoint string
	Method   string // "" = any
	Kind     FaultKind
	Status   int    // for Status; default 503
	Code     string // error code for Status; default by status
	// Details, for Status, is sent as error_details, the optional part of
	// TrueLayer's error shape (clients must tolerate it).
	Details    map[string]string
	RetryAfter time.Duration // for Status: Retry-After header when > 0
	Count      int           // how many matching requests it affects; 0 = until removed
	Latency    time.Duration // Latency: the delay; SlowBody: the pause between chunks; others: a delay first
	Jitter     time.Duration // random extra delay, uniform in [0, Jitter)
	Chunks     int           // SlowBody: number of pieces; default 8
	Skew       time.Duration // ClockSkew: how far the emulator's clock is off (+ ahead)
	// Gate, when set, holds matching requests until it is closed (or the
	// request is cancelled): deterministic concurrency tests, loading states.
	Gate <-chan struct{}
}

type activeFault struct {
	id        int
	f         Fault
	remaining int // -1 = unlimited
}

// Inject adds a fault; it applies from the next request until remove is
// called or its Count is used up. Faults are checked in injection order.
func (s *Server) Inject(f Fault) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFaultID++
	id := s.nextFaultID
	rem := f.Count
	if rem <= 0 {
		rem = -1
	}
	s.faults = append(s.faults, &activeFault{id: id, f: f, remaining: rem})
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.removeFaultLocked(id)
	}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) removeFaultLocked(id int) {
	for i, af := range s.faults {
		if af.id == id {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return
		}
	}
}

// matchEndpoint reports whether a request path matches a fault pattern.
func matchEndpoint(pattern, reqPath string) bool {
	if pattern == "" {
		return true
	}
	for _, p := range []string{reqPath, strings.TrimPrefix(reqPath, "/api"), strings.TrimPrefix(reqPath, "/auth")} {
		if matchPath(pattern, p) {
			return true
		}
	}
	return false
}

func matchPath(pattern, p string) bool {
	if rest, ok := strings.CutSuffix(pattern, "/**"); ok {
		if ok, _ := path.Match(rest, p); ok {
			return true
		}
		return matchPrefixSegments(rest, p)
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

// matchPrefixSegments reports whether p's leading segments match prefix and
// p has more segments after them.
func matchPrefixSegments(prefix, p string) bool {
	n := strings.Count(prefix, "/")
	parts := strings.SplitN(p, "/", n+2)
	if len(parts) != n+2 {
		return false
	}
	ok, _ := path.Match(prefix, strings.Join(parts[:n+1], "/"))
	return ok
}

// takeFaults picks the faults matching r, consuming their counts. Latency
// and ClockSkew faults accumulate; at most one other ("terminal") fault is
// returned, the first injected.
func (s *Server) takeFaults(r *http.Request) (delay time.Duration, skew time.Duration, gates []<-chan struct{}, terminal *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var spent []int
	for _, af := range s.faults {
		f := af.f
		if f.Kind == InvalidGrant || !matchEndpoint(f.Endpoint, r.URL.Path) || (f.Method != "" && !strings.EqualFold(f.Method, r.Method)) {
			continue
		}
		if f.Kind == Unauthorized && !strings.HasPrefix(r.URL.Path, "/api/") {
			continue
		}
		switch f.Kind {
		case Latency, ClockSkew:
		default:
			if terminal != nil {
				continue
			}
			ff := f
			terminal = &ff
		}
		if f.Kind == ClockSkew {
			skew += f.Skew
		}
		if f.Gate != nil {
			gates = append(gates, f.Gate)
		}
		if f.Kind != SlowBody {
			delay += f.Latency
			if f.Jitter > 0 {
				delay += rand.N(f.Jitter)
			}
		}
		if af.remaining > 0 {
			af.remaining--
			if af.remaining == 0 {
				spent = append(spent, af.id)
			}
		}
	}
	for _, id := range spent {
		s.removeFaultLocked(id)
	}
	return delay, skew, gates, terminal
}

// takeFault consumes one matching fault of kind (for InvalidGrant, which only
// the token handler can judge).
func (s *Server) takeFault(r *http.Request, kind FaultKind) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, af := range s.faults {
		if af.f.Kind != kind {
			continue
		}
		if af.remaining > 0 {
			af.remaining--
			if af.remaining == 0 {
				s.removeFaultLocked(af.id)
			}
		}
		return true
	}
	return false
}

type ctxKey int

const skewKey ctxKey = 1

// requestNow is the emulator's time as seen by request r (clock skew applied).
func requestNow(r *http.Request, s *Server) time.Time {
	now := s.Now()
	if d, ok := r.Context().Value(skewKey).(time.Duration); ok {
		now = now.Add(d)
	}
	return now
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

var defaultCodes = map[int]string{
	400: "validation_error", 401: "unauthorized", 403: "access_denied", 404: "not_found",
	409: "request_conflict", 429: "provider_too_many_requests", 500: "internal_server_error",
	501: "endpoint_not_supported", 502: "bad_gateway", 503: "temporarily_unavailable", 504: "provider_timeout",
}

// applyTerminal serves a terminal fault; status is what the client saw (0 if
// the connection was cut before a status line). closeConn, if not nil,
// cuts the hijacked connection: the caller runs it after logging, so the log
// is complete by the time the client sees the failure.
func (s *Server) applyTerminal(w http.ResponseWriter, r *http.Request, f *Fault, next http.Handler) (status int, closeConn func()) {
	switch f.Kind {
	case Status:
		return writeStatusFault(w, f), nil
	case Unauthorized:
		writeErr(w, newErr(401, "invalid_token", "the access token was revoked"))
		return 401, nil
	case Reset:
		return 0, resetConn(w)
	case MalformedJSON:
		rec := record(next, r)
		body := bytes.TrimRight(rec.body.Bytes(), " \n")
		if len(body) > 0 {
			body = append(body[:len(body)-1:len(body)-1], []byte(`,}{"`)...)
		} else {
			body = []byte(`{"results": [`)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(200)
		_, _ = w.Write(body)
		return 200, nil
	case Truncated:
		rec := record(next, r)
		conn, buf, err := hijack(w)
		if err != nil {
			return 0, nil
		}
		body := rec.body.Bytes()
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.status, http.StatusText(rec.status))
		rec.header.Del("Content-Length")
		_ = rec.header.Write(buf)
		fmt.Fprintf(buf, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
		_, _ = buf.Write(body[:len(body)/2])
		_ = buf.Flush()
		return rec.status, func() { _ = conn.Close() }
	case SlowBody:
		rec := record(next, r)
		for k, vs := range rec.header {
			w.Header()[k] = vs
		}
		body := rec.body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		chunks := max(f.Chunks, 1)
		if f.Chunks == 0 {
			chunks = 8
		}
		size := (len(body) + chunks - 1) / chunks
		fl, _ := w.(http.Flusher)
		for i := 0; i < len(body); i += max(size, 1) {
			if i > 0 && !sleepCtx(r.Context(), f.Latency) {
				return rec.status, nil
			}
			_, _ = w.Write(body[i:min(i+max(size, 1), len(body))])
			if fl != nil {
				fl.Flush()
			}
		}
		return rec.status, nil
	}
	next.ServeHTTP(w, r)
	return 0, nil
}

// writeStatusFault answers with a Status fault's status, code, details and
// Retry-After, and returns the status.
func writeStatusFault(w http.ResponseWriter, f *Fault) int {
	st := f.Status
	if st == 0 {
		st = 503
	}
	code := f.Code
	if code == "" {
		code = defaultCodes[st]
		if code == "" {
			code = "error"
		}
	}
	if f.RetryAfter > 0 {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	e := newErr(st, code, fmt.Sprintf("injected fault: HTTP %d", st))
	e.Details = f.Details
	writeErr(w, e)
	return st
}

// recorder captures a handler's response for faults that rewrite it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rc *recorder) Header() http.Header { return rc.header }
func (rc *recorder) WriteHeader(code int) {
	if rc.status == 0 {
		rc.status = code
	}
}
func (rc *recorder) Write(b []byte) (int, error) {
	if rc.status == 0 {
		rc.status = 200
	}
	return rc.body.Write(b)
}

func record(h http.Handler, r *http.Request) *recorder {
	rc := &recorder{header: http.Header{}}
	h.ServeHTTP(rc, r)
	if rc.status == 0 {
		rc.status = 200
	}
	return rc
}

func hijack(w http.ResponseWriter) (net.Conn, *bufio.Writer, error) {
	hj, ok := unwrap(w).(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("cannot hijack")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	return conn, rw.Writer, nil
}

// resetConn hijacks the client's connection and returns what closes it with a TCP RST.
func resetConn(w http.ResponseWriter) func() {
	conn, _, err := hijack(w)
	if err != nil {
		return nil
	}
	return func() {
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = conn.Close()
	}
}
