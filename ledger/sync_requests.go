package ledger

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// storeFailed records a read or write of the store that failed. One cut
// short by a cancellation is no failure of the store, and is not recorded:
// whoever cancelled says why. A lost consent cancels the connection's
// other requests, its store writes among them (the consent error is
// returned); a failed commit cancels the next window's fetch, whose stage
// may be opening (the commit's failure is recorded); the user's cancel is
// Sync's error.
func (c *connSync) storeFailed(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if errors.Is(err, context.Canceled) {
		if c.consentErr != nil {
			return c.consentErr
		}
		return err
	}
	c.storeErrs = append(c.storeErrs, err)
	return err
}

func (c *connSync) current() *truelayer.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

// consentFailed records that the connection's consent is gone and stops its
// other requests.
func (c *connSync) consentFailed(err error) {
	c.mu.Lock()
	if c.consentErr == nil {
		c.consentErr = err
	}
	c.mu.Unlock()
	c.cancel(err)
}

func (c *connSync) consent() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.consentErr
}

// refresh replaces the client after a 401, once per failed client.
func (c *connSync) refresh(ctx context.Context, failed *truelayer.Client) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client != failed {
		return nil // another request already refreshed
	}
	cl, err := c.y.clients(ctx, c.id)
	if err != nil {
		return err
	}
	c.client = cl
	return nil
}

func (c *connSync) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	select {
	case c.y.global <- struct{}{}:
		return nil
	case <-ctx.Done():
		<-c.sem
		return context.Cause(ctx)
	}
}

func (c *connSync) release() {
	<-c.y.global
	<-c.sem
}

// call runs one API request of ep within the concurrency bounds: not at
// all when its scope was not granted or, without the user present, when the
// bank's unattended budget for it is spent (a *SkippedError); after a 401 it
// gets a fresh client and tries once more. Only a lost consent (a refresh
// refused, the account list denied) stops the connection; a refusal of ep
// alone is recorded for ep.
func call[T any](ctx context.Context, c *connSync, ep endpoint, fn func(cl *truelayer.Client) (T, error)) (T, error) {
	var zero T
	if err := c.mayCall(ctx, ep); err != nil {
		return zero, err
	}
	for attempt := 0; ; attempt++ {
		cl := c.current()
		if err := c.acquire(ctx); err != nil {
			return zero, err
		}
		v, err := fn(cl)
		c.release()
		if err == nil {
			c.answered(ctx, ep, nil)
			return v, nil
		}
		if errors.Is(err, truelayer.ErrUnauthorized) && attempt == 0 {
			if rerr := c.refresh(ctx, cl); rerr != nil {
				err = rerr
			} else {
				continue
			}
		}
		if err = c.answered(ctx, ep, err); errors.Is(err, truelayer.ErrConsentNeeded) {
			c.consentFailed(err)
		}
		if ctx.Err() != nil && c.consent() != nil {
			return zero, c.consent()
		}
		return zero, err
	}
}

// mayCall checks ep's scope and, without the user present, spends one of
// its unattended calls.
func (c *connSync) mayCall(ctx context.Context, ep endpoint) error {
	if c.scopes != nil {
		for _, sc := range ep.scopes() {
			if !slices.Contains(c.scopes, sc) {
				return &SkippedError{Endpoint: ep.name, Scope: sc, why: ErrNotGranted}
			}
		}
	}
	if !c.unattended || ep.name == endpointMe {
		return nil
	}
	err := c.budget.spend(ctx, ep)
	var se *SkippedError
	if err != nil && !errors.As(err, &se) {
		return c.storeFailed(err)
	}
	return err
}

// answered records what the bank answered for ep and returns err as the
// sync should see it: a refusal (403, 501) of an optional endpoint is kept
// for that endpoint, and any record of it clears once it answers; every
// 403 but the account list's becomes a *RefusedError, which is no lost
// consent.
func (c *connSync) answered(ctx context.Context, ep endpoint, err error) error {
	if berr := c.budget.refused(ctx, ep, err); berr != nil {
		c.storeFailed(berr)
	}
	status, code, refused := refusal(ep, err)
	switch {
	case err == nil:
		c.noteStatus(ep, 0, "")
	case refused && ep.optional():
		c.noteStatus(ep, status, code)
	}
	if refused && status == http.StatusForbidden {
		var ae *truelayer.APIError
		errors.As(err, &ae)
		return &RefusedError{Endpoint: ep.name, Status: status, Code: code, CorrelationID: ae.CorrelationID}
	}
	return err
}

// noteStatus notes an optional endpoint's refusal (status > 0), or that
// an endpoint with a stored status answered (status 0); finish stores them
// once the connection ran to the end, so the refusals of a consent that
// ended halfway are not taken for the bank's.
func (c *connSync) noteStatus(ep endpoint, status int, code string) {
	k := budgetKey{ep.account, ep.name}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.statuses[k] == status && status == 0 {
		return
	}
	c.changed = append(c.changed, statusChange{ep: ep, status: status, code: code})
}

// statusChange is an endpoint status to store.
type statusChange struct {
	ep     endpoint
	status int
	code   string
}

// storeStatuses stores the endpoint statuses noted during the run.
func (c *connSync) storeStatuses(ctx context.Context) {
	c.mu.Lock()
	changed := c.changed
	c.changed = nil
	c.mu.Unlock()
	for _, ch := range changed {
		if err := c.y.store.setEndpointStatus(ctx, c.id, ch.ep, ch.status, ch.code, time.Time{}); err != nil {
			c.storeFailed(err)
			return
		}
	}
}
