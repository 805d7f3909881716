package truelayertest

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Request is one entry of the request log.
type Request struct {
	Seq    int // arrival order (increasing; Requests is sorted by it)
	Method string
	Path   string     // e.g. /api/data/v1/accounts/ID/balance
	Query  url.Values // query parameters (the token endpoint's form body is never logged)
	// TokenHash identifies the bearer token without revealing it ("" if none):
	// the same token always has the same hash.
	TokenHash string
	Subject   string // credentials id of a valid bearer token ("" if none or invalid)
	ClientID  string // client of the bearer token
	// CorrelationID and PSUIP are the X-Client-Correlation-Id and X-PSU-IP headers.
	CorrelationID, PSUIP, UserAgent string
	Status                          int       // status sent; 0 if the connection was cut first
	Fault                           FaultKind // the terminal fault applied, 0 if none
	Start, End                      time.Time // wall clock
	Concurrent                      int       // requests in flight when this one started, itself included
}

// Requests returns a copy of the request log in arrival order: the requests
// that have finished and began after the last ResetLog.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A client can finish reading a response before its handler returns and
	// logs it; wait for those, so a test sees every call it has completed.
	// Bounded: a caller that has not read a big body yet would wait forever.
	deadline := time.Now().Add(2 * time.Second)
	for s.responding > 0 && time.Now().Before(deadline) {
		ch := s.loggedCh
		s.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		}
		s.mu.Lock()
	}
	out := slices.Clone(s.log)
	slices.SortFunc(out, func(a, b Request) int { return a.Seq - b.Seq })
	for i := range out {
		out[i].Query = cloneValues(out[i].Query)
	}
	return out
}

// PeakConcurrency is the most requests ever in flight at once since the
// server started or ResetLog.
func (s *Server) PeakConcurrency() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// InFlight is the number of requests being handled right now.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// ResetLog empties the request log and resets PeakConcurrency.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.peak = s.inFlight
	s.logEpoch++
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// statusWriter records the status a handler sends, and counts the request
// as responding from its first byte until it is logged.
type statusWriter struct {
	http.ResponseWriter
	s          *Server
	status     int
	responding bool
}

func (w *statusWriter) start(code int) {
	if w.status == 0 {
		w.status = code
	}
	if !w.responding {
		w.responding = true
		w.s.mu.Lock()
		w.s.responding++
		w.s.mu.Unlock()
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.start(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.start(200)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func unwrap(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Auth server.
	mux.HandleFunc("GET /auth", func(w http.ResponseWriter, r *http.Request) {
		u := *r.URL
		u.Path = "/auth/"
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /auth/{$}", s.handleAuthorize)
	mux.HandleFunc("POST /auth/{$}", s.handleDialogSubmit)
	mux.HandleFunc("POST /auth/connect/token", s.handleToken)
	mux.HandleFunc("GET /auth/api/providers", s.handleProviders)
	mux.HandleFunc("GET /auth/api/providers/", s.handleProviders)
	mux.HandleFunc("DELETE /auth/api/delete", s.handleDelete)
	mux.HandleFunc("POST /auth/api/debug", s.handleDebug)
	mux.HandleFunc("GET /auth/img/{file}", s.handleLogo)

	// Data API.
	const v1 = "/api/data/v1"
	data := func(pattern string, scopes []string, h dataHandler) {
		mux.HandleFunc("GET "+v1+pattern, s.dataEndpoint(scopes, h))
	}
	data("/me", nil, s.getMe)
	data("/info", []string{"info"}, s.getInfo)
	data("/accounts", []string{"accounts"}, s.getAccounts)
	data("/accounts/{id}", []string{"accounts"}, s.getAccount)
	data("/accounts/{id}/balance", []string{"accounts", "balance"}, s.getBalance)
	data("/accounts/{id}/transactions", []string{"accounts", "transactions"}, s.getTransactions(false, false))
	data("/accounts/{id}/transactions/pending", []string{"accounts", "transactions"}, s.getTransactions(false, true))
	data("/accounts/{id}/standing_orders", []string{"accounts", "standing_orders"}, s.getStandingOrders)
	data("/accounts/{id}/direct_debits", []string{"accounts", "direct_debits"}, s.getDirectDebits)
	data("/cards", []string{"cards"}, s.getCards)
	data("/cards/{id}", []string{"cards"}, s.getCard)
	data("/cards/{id}/balance", []string{"cards", "balance"}, s.getCardBalance)
	data("/cards/{id}/transactions", []string{"cards", "transactions"}, s.getTransactions(true, false))
	data("/cards/{id}/transactions/pending", []string{"cards", "transactions"}, s.getTransactions(true, true))
	mux.HandleFunc("GET "+v1+"/results/{task}", s.handleResults)
	mux.HandleFunc("POST "+v1+"/connections/extend", s.handleExtend)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { unrouted(mux, w, r) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("TrueLayer emulator (banktui truelayertest)\nauth server: " + s.AuthURL() +
			"\nData API:    " + s.APIURL() + "/data/v1\n"))
	})
	return s.middleware(mux)
}

// unrouted answers a request no route takes with the API's JSON error shape
// (§2.4), never net/http's plain text: 405 when the path exists for another
// method, else 404. TrueLayer documents neither answer; "not_found" is the
// JS client's fallback code for a 404, "method_not_allowed" is ours.
func unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeErr(w, newErr(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here; use "+strings.Join(allowed, " or ")))
		return
	}
	writeErr(w, newErr(http.StatusNotFound, "not_found", "no such endpoint"))
}

// middleware logs every request, counts concurrency and applies faults.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		tok := bearer(r)
		entry := Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
			TokenHash: tokenHash(tok), CorrelationID: r.Header.Get("X-Client-Correlation-Id"),
			PSUIP: r.Header.Get("X-PSU-IP"), UserAgent: r.UserAgent(), Start: start,
		}
		if tok != "" {
			if c, err := parseJWT(s.jwtKey, tok); err == nil {
				entry.Subject, entry.ClientID = c.Subject, c.ClientID
			}
		}
		s.mu.Lock()
		s.inFlight++
		s.peak = max(s.peak, s.inFlight)
		entry.Concurrent = s.inFlight
		s.arrivals++
		entry.Seq = s.arrivals
		epoch := s.logEpoch
		s.mu.Unlock()

		sw := &statusWriter{ResponseWriter: w, s: s}
		var closeConn func()
		defer func() {
			entry.End = time.Now()
			entry.Status = sw.status
			s.logRequest(entry, r.URL.RawQuery)
			s.mu.Lock()
			s.inFlight--
			if epoch == s.logEpoch { // requests begun before ResetLog are not logged
				s.log = append(s.log, entry)
			}
			if sw.responding {
				s.responding--
				close(s.loggedCh)
				s.loggedCh = make(chan struct{})
			}
			s.mu.Unlock()
			if closeConn != nil {
				closeConn()
			}
		}()

		delay, skew, gates, terminal := s.takeFaults(r)
		if skew != 0 {
			r = r.WithContext(context.WithValue(r.Context(), skewKey, skew))
		}
		if !sleepCtx(r.Context(), delay) {
			return
		}
		for _, g := range gates {
			select {
			case <-g:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Date", requestNow(r, s).Format(http.TimeFormat))
		w.Header().Set("X-TL-Correlation-Id", randomID(16))
		if terminal != nil {
			entry.Fault = terminal.Kind
			var st int
			st, closeConn = s.applyTerminal(sw, r, terminal, next)
			if st != 0 && sw.status == 0 {
				sw.status = st
			}
			if terminal.Kind == Reset || terminal.Kind == Truncated {
				sw.status = st
			}
			return
		}
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) handleLogo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "max-age=86400")
	_, _ = w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" rx="6" fill="#0b6b4f"/></svg>`))
}

// logRequest writes entry to the WithLogger logger, if any.
func (s *Server) logRequest(entry Request, rawQuery string) {
	l := s.cfg.logger
	if l == nil {
		return
	}
	attrs := []any{"method", entry.Method, "path", entry.Path, "status", entry.Status,
		"duration", entry.End.Sub(entry.Start).Round(time.Microsecond)}
	if strings.HasPrefix(entry.Path, "/api/") && rawQuery != "" {
		attrs = append(attrs, "query", rawQuery)
	}
	if entry.Fault != 0 {
		attrs = append(attrs, "fault", entry.Fault.String())
	}
	if entry.TokenHash != "" {
		attrs = append(attrs, "token", entry.TokenHash)
	}
	l.Info("request", attrs...)
}
