package ledger

import (
	"context"
	"errors"

	"github.com/banktui/banktui/truelayer"
)

func (c *connSync) storeFailed(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
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

// call runs one API request within the concurrency bounds; after a 401 it
// gets a fresh client and tries once more.
func call[T any](ctx context.Context, c *connSync, fn func(cl *truelayer.Client) (T, error)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		cl := c.current()
		if err := c.acquire(ctx); err != nil {
			return zero, err
		}
		v, err := fn(cl)
		c.release()
		if err == nil {
			return v, nil
		}
		if errors.Is(err, truelayer.ErrUnauthorized) && attempt == 0 {
			if rerr := c.refresh(ctx, cl); rerr != nil {
				err = rerr
			} else {
				continue
			}
		}
		if errors.Is(err, truelayer.ErrConsentNeeded) {
			c.consentFailed(err)
		}
		if ctx.Err() != nil && c.consent() != nil {
			return zero, c.consent()
		}
		return zero, err
	}
}
