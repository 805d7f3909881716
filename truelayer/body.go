package truelayer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// DefaultMaxResponseBytes bounds a response: at most this many bytes of
// body are read, and the results decoded from it may take at most this
// much memory again for their fixed-size parts (see ErrResponseTooLarge).
// 32 MiB holds two years of a busy account's transactions in one answer
// (the Data API has no paging) about ten times over.
const DefaultMaxResponseBytes int64 = 32 << 20

// maxErrorBodyBytes bounds an error body: they are short JSON objects.
const maxErrorBodyBytes = 64 << 10

// ErrResponseTooLarge: a response was bigger than the client's limit
// (DefaultMaxResponseBytes unless set with WithMaxResponseBytes), so it
// was refused unread past the limit, rather than risk running out of
// memory: a runaway or hostile server could otherwise send gigabytes, or
// millions of tiny results that each cost hundreds of bytes decoded.
// Ask for less (a shorter date range). Errors matching it are
// *ResponseTooLargeError; it is not temporary.
var ErrResponseTooLarge = errors.New("truelayer: response too large")

// ResponseTooLargeError says which response exceeded which limit.
type ResponseTooLargeError struct {
	Method, URL string // the request; URL redacted
	Limit       int64  // bytes
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("truelayer: %s %s: the response is larger than the limit of %s per response, so it was refused: ask for a shorter date range", e.Method, e.URL, byteSize(e.Limit))
}

func (e *ResponseTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// errOverLimit is what boundedBody reads return past the limit.
var errOverLimit = errors.New("over the response size limit")

// boundedBody reads at most limit bytes of a response body, then fails
// with errOverLimit; it remembers the first error its source returned, so
// a decoder's error can be told from the network's.
type boundedBody struct {
	r       io.Reader
	max     int64 // the limit
	limit   int64 // bytes still allowed
	mem     int64 // decoded bytes still allowed (see charge)
	n       int64 // bytes read
	readErr error // first error of r, io.EOF included
}

func newBoundedBody(r io.Reader, limit int64) *boundedBody {
	return &boundedBody{r: r, max: limit, limit: limit, mem: limit}
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.readErr != nil {
		return 0, b.readErr
	}
	if b.limit <= 0 {
		b.readErr = errOverLimit
		return 0, errOverLimit
	}
	if int64(len(p)) > b.limit {
		p = p[:b.limit]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.limit -= int64(n)
	if err != nil {
		b.readErr = err
	}
	return n, err
}

// charge counts n more bytes of decoded memory against its own budget,
// as large as the byte limit.
func (b *boundedBody) charge(n int64) error {
	b.mem -= n
	if b.mem < 0 {
		b.readErr = errOverLimit
		return errOverLimit
	}
	return nil
}

// readBounded reads a whole 2xx body of at most r.maxResponseBytes.
func (r *requester) readBounded(req *http.Request, resp *http.Response) ([]byte, error) {
	if resp.ContentLength > r.maxResponseBytes {
		return nil, tooLarge(req, r.maxResponseBytes)
	}
	bb := newBoundedBody(resp.Body, r.maxResponseBytes)
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	_, err := buf.ReadFrom(bb)
	if err != nil {
		return nil, r.bodyError(req, resp, bb, err)
	}
	return buf.Bytes(), checkLength(req, resp, bb)
}

// decodeBody decodes a 2xx body into v as it arrives, never holding more
// than the limit: *Results[T] (the Data API's envelope) result by result,
// anything else as one JSON value. Non-GET requests may answer with an
// empty body (v is then left alone).
func (r *requester) decodeBody(req *http.Request, resp *http.Response, v any) error {
	limit := r.maxResponseBytes
	if _, ok := v.(sinkDecoder); ok {
		limit = r.maxStreamedBytes // results are not kept: no memory at stake
	}
	if resp.ContentLength > limit {
		return tooLarge(req, limit)
	}
	bb := newBoundedBody(resp.Body, limit)
	dec := json.NewDecoder(&spaceSqueezer{r: bb})
	var err error
	if s, ok := v.(streamDecoder); ok {
		err = s.decodeStream(dec, bb)
	} else {
		err = dec.Decode(v)
	}
	if err == io.EOF { // the decoder's own: nothing but white space
		if req.Method != http.MethodGet {
			return nil
		}
		err = errors.New("empty response body")
	}
	if err == nil {
		// Only white space may follow the value.
		if _, terr := dec.Token(); terr != io.EOF {
			err = cmpErr(terr, errors.New("data after the JSON value"))
		}
	}
	if err != nil {
		return r.bodyError(req, resp, bb, err)
	}
	return checkLength(req, resp, bb)
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// bodyError classifies a failure while reading or decoding a 2xx body:
// over the limit, the network's (truncated, reset, deadline), or the
// JSON's.
func (r *requester) bodyError(req *http.Request, resp *http.Response, bb *boundedBody, err error) error {
	var sinkErr *sinkError
	switch {
	case errors.As(err, &sinkErr):
		return sinkErr.err // the caller's own
	case errors.Is(bb.readErr, errOverLimit):
		return tooLarge(req, bb.max)
	case bb.readErr != nil && bb.readErr != io.EOF:
		return transportError(req, bb.readErr)
	}
	// Short of its Content-Length only if the body ended: a decoder that
	// gave up early left the rest unread, and the body is malformed.
	if bb.readErr == io.EOF {
		if lerr := checkLength(req, resp, bb); lerr != nil {
			return lerr
		}
	}
	return &decodeError{method: req.Method, url: RedactURL(req.URL), err: err}
}

func tooLarge(req *http.Request, limit int64) error {
	return &ResponseTooLargeError{Method: req.Method, URL: RedactURL(req.URL), Limit: limit}
}

// checkLength: a body shorter than its Content-Length was cut off (for
// transports that do not say so themselves).
func checkLength(req *http.Request, resp *http.Response, bb *boundedBody) error {
	if cl := resp.ContentLength; cl > 0 && bb.n < cl {
		return transportError(req, io.ErrUnexpectedEOF)
	}
	return nil
}

// spaceSqueezer passes JSON through with each run of white space outside
// strings reduced to one byte. json.Decoder rescans the white space
// before a token from the start on every read, so a server sending
// megabytes of it would cost quadratic time, and memory to hold it.
type spaceSqueezer struct {
	r                         io.Reader
	inString, escaped, spaced bool
}

func (s *spaceSqueezer) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		w := 0
		for i := 0; i < n; {
			if s.inString && !s.escaped {
				// A string's text up to its next quote or backslash is
				// passed as it is: most of a body, so copied in one go.
				end := stringRun(p[i:n])
				if w != i {
					copy(p[w:], p[i:i+end])
				}
				w += end
				if i += end; i == n {
					break
				}
			}
			c := p[i]
			i++
			switch {
			case s.inString:
				s.inString = s.escaped || c != '"'
				s.escaped = !s.escaped && c == '\\'
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				if s.spaced {
					continue
				}
				s.spaced = true
			default:
				s.spaced = false
				s.inString = c == '"'
			}
			p[w] = c
			w++
		}
		if w > 0 || err != nil || n == 0 {
			return w, err
		}
	}
}

// stringRun is the length of b's prefix holding neither a quote nor a
// backslash.
func stringRun(b []byte) int {
	end := len(b)
	if q := bytes.IndexByte(b, '"'); q >= 0 {
		end = q
	}
	if e := bytes.IndexByte(b[:end], '\\'); e >= 0 {
		end = e
	}
	return end
}

// streamDecoder is implemented by *Results[T]: decoding result by result
// keeps memory to the results themselves, and lets each result's size be
// charged against the response limit.
type streamDecoder interface {
	decodeStream(dec *json.Decoder, bb *boundedBody) error
}

// decodeStream reads {"results": [...], "status": "..."} (keys matched
// without regard to case, as json.Unmarshal does; the last of duplicate
// keys wins; other keys skipped) one result at a time. Each result is
// charged its in-memory size (reflect's Size of T) against the limit, so
// a body of millions of "{}" cannot cost gigabytes.
func (r *Results[T]) decodeStream(dec *json.Decoder, bb *boundedBody) error {
	*r = Results[T]{}
	size := int64(reflect.TypeFor[T]().Size())
	// Results go into chunks that are never copied as they grow, then
	// into one slice: twice the results' size in all, where append's
	// growth by a quarter would allocate five times it.
	var chunks [][]T
	n, array := 0, false
	begin := func(null bool) error {
		chunks, n, array = nil, 0, !null // the last "results" wins
		return nil
	}
	err := decodeEnvelope(dec, &r.Status, begin, func() (*T, error) {
		if err := bb.charge(size); err != nil {
			return nil, err
		}
		if len(chunks) == 0 || len(chunks[len(chunks)-1]) == cap(chunks[len(chunks)-1]) {
			chunks = append(chunks, make([]T, 0, 64<<min(len(chunks), 7))) // 64 to 8192
		}
		last := &chunks[len(chunks)-1]
		var zero T
		*last = append(*last, zero)
		n++
		return &(*last)[len(*last)-1], nil
	}, nil)
	switch {
	case err != nil || !array:
		return err
	case n == 0:
		r.Results = []T{}
		return nil
	case len(chunks) == 1:
		r.Results = chunks[0]
		return nil
	}
	r.Results = make([]T, 0, n)
	for _, c := range chunks {
		r.Results = append(r.Results, c...)
	}
	return nil
}

// decodeEnvelope reads {"results": [...], "status": "..."} (keys matched
// without regard to case, as json.Unmarshal does; other keys skipped):
// begin is told of each "results" key (the last one wins) and whether it
// is null, then each result is decoded into the place next gives and
// handed to done (if not nil). A null body decodes to nothing.
func decodeEnvelope[T any](dec *json.Decoder, status *string, begin func(null bool) error, next func() (*T, error), done func(*T) error) error {
	tok, err := dec.Token()
	if err != nil || tok == nil { // a null body decodes to nothing, as with json.Unmarshal
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("want an object, got %s", tokenKind(tok))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "results"):
			if err := decodeArray(dec, begin, next, done); err != nil {
				return err
			}
		case strings.EqualFold(key, "status"):
			if err := dec.Decode(status); err != nil {
				return fmt.Errorf("status: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	return expectDelim(dec, '}')
}

// decodeArray reads a JSON array of T (or null) result by result.
func decodeArray[T any](dec *json.Decoder, begin func(null bool) error, next func() (*T, error), done func(*T) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); tok != nil && (!ok || d != '[') {
		return fmt.Errorf("results: want an array, got %s", tokenKind(tok))
	}
	if err := begin(tok == nil); err != nil {
		return &sinkError{err}
	}
	if tok == nil {
		return nil // "results": null
	}
	for n := 0; dec.More(); n++ {
		v, err := next()
		if err != nil {
			return err
		}
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("result %d: %w", n, err)
		}
		if done != nil {
			if err := done(v); err != nil {
				return &sinkError{err}
			}
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %s", want, tokenKind(tok))
	}
	return nil
}

// tokenKind names a JSON token without quoting the server's text.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", t.String())
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}
