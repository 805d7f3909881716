package truelayer

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// DefaultMaxStreamedBytes bounds a response whose results are streamed to
// a ResultSink. They are not kept, so memory is not at stake (one result
// at a time); the bound only stops a runaway server. 512 MiB is about a
// million transactions.
const DefaultMaxStreamedBytes int64 = 512 << 20

// WithMaxStreamedBytes bounds responses streamed to a ResultSink (default
// DefaultMaxStreamedBytes); a larger one fails with ErrResponseTooLarge.
func WithMaxStreamedBytes(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.req.maxStreamedBytes = n
		}
	}
}

// A ResultSink receives the results of a Data API response one at a time,
// as they are decoded, so a response of any length costs the memory of one
// result (StreamResults, StreamTransactions).
type ResultSink[T any] interface {
	// Begin starts a response. It is called again if the request is
	// retried after part of a body arrived (a reset, a truncation): drop
	// what the failed attempt gave.
	Begin() error
	// Add takes the next result. An error stops the response; the call
	// returns it as it is.
	Add(T) error
}

// sinkDecoder is a decode target that keeps no results (see decodeBody's limit).
type sinkDecoder interface{ sinkResults() }

// sinkError carries a ResultSink's own error through the decoder.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return e.err.Error() }

// streamResults is the decode target of StreamResults.
type streamResults[T any] struct {
	sink   ResultSink[T]
	status string
}

func (*streamResults[T]) sinkResults() {}

func (r *streamResults[T]) decodeStream(dec *json.Decoder, _ *boundedBody) error {
	// Begin even if the body holds no results: it starts the response.
	if err := r.sink.Begin(); err != nil {
		return &sinkError{err}
	}
	began := true
	begin := func(bool) error {
		if began { // the one above
			began = false
			return nil
		}
		return r.sink.Begin() // a second "results": the last one wins
	}
	var v T
	return decodeEnvelope(dec, &r.status, begin, func() (*T, error) {
		var zero T
		v = zero
		return &v, nil
	}, func(v *T) error { return r.sink.Add(*v) })
}

// StreamResults GETs path (relative to c.BaseURL) and hands each result to
// sink as it is decoded: GetResults without holding the results.
func StreamResults[T any](ctx context.Context, c *Client, path string, query url.Values, sink ResultSink[T]) error {
	req, err := c.NewRequest(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return err
	}
	return c.Do(req, &streamResults[T]{sink: sink})
}

// StreamTransactions is Transactions with each transaction handed to sink
// as it arrives.
func (c *Client) StreamTransactions(ctx context.Context, accountID string, from, to time.Time, sink ResultSink[Transaction]) error {
	return StreamResults(ctx, c, "accounts/"+url.PathEscape(accountID)+"/transactions", DateRange(from, to), sink)
}

// StreamCardTransactions is CardTransactions with each transaction handed
// to sink as it arrives.
func (c *Client) StreamCardTransactions(ctx context.Context, cardID string, from, to time.Time, sink ResultSink[Transaction]) error {
	return StreamResults(ctx, c, "cards/"+url.PathEscape(cardID)+"/transactions", DateRange(from, to), sink)
}
