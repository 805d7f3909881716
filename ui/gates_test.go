package ui

import (
	"context"
	"sync"
)

// gates hold back reads so a test can let a newer request overtake an
// older one. The harness counts a read waiting at a gate as settled.
type gates struct {
	mu      sync.Mutex
	held    []*gate
	waiting int
	wake    chan struct{}
}

type gate struct {
	kind, id string
	arrived  bool // a read is (or was) waiting here
	done     bool // released, or the read gave up
	open     chan struct{}
}

// hold makes the next read of kind for id wait until release is called:
// "accounts", "page" (rows of a list: id is its account, or "all"),
// "totals" (its period's count), "flows" (its count and totals) or "record" (one transaction with the bank's JSON,
// for the detail).
// release counts the read as running again at once, so a settle right
// after it waits for the read's reply.
func (g *gates) hold(kind, id string) (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gt := &gate{kind: kind, id: id, open: make(chan struct{})}
	g.held = append(g.held, gt)
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if !gt.done {
			gt.done = true
			if gt.arrived {
				g.waiting--
			}
			close(gt.open)
		}
	}
}

func (g *gates) pass(ctx context.Context, kind, id string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	var gt *gate
	for _, h := range g.held {
		if !h.arrived && h.kind == kind && h.id == id {
			gt = h
			break
		}
	}
	if gt == nil || gt.done {
		g.mu.Unlock()
		return
	}
	gt.arrived = true
	g.waiting++
	g.mu.Unlock()
	g.woken() <- struct{}{}
	select {
	case <-gt.open:
	case <-ctx.Done():
		g.mu.Lock()
		if !gt.done {
			gt.done = true
			g.waiting--
		}
		g.mu.Unlock()
	}
}

func (g *gates) parked() int {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}

func (g *gates) woken() chan struct{} {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wake == nil {
		g.wake = make(chan struct{}, 64)
	}
	return g.wake
}
