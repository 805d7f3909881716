package ledger

import (
	"context"
	"fmt"
	"time"
)

// A windowPipe overlaps a back-fill's windows: while window k commits (in
// the background, on one connection for all: accountWindows.committer),
// window k+1 is fetched, decoded and staged on the other stage, so the
// bank's latency and our staging hide behind the commit. Whether k+1 is
// asked depends only on k's fetch, known before k commits: no request is
// speculative. Commits run in window order, one at a time; a failed
// commit cancels the fetch in flight, and the sync state moves back only
// to a committed window.
type windowPipe struct {
	c       *connSync
	r       accountRecord
	w       *accountWindows
	parent  context.Context         // the sync's: the commits'
	ctx     context.Context         // the fetches': cancelled by a failed commit
	cancel  context.CancelCauseFunc // cancels ctx
	fetched *stage                  // the stage the last fetch filled
	running *windowCommit           // the commit in the background; nil: none
}

// windowCommit is a window committing in the background.
type windowCommit struct {
	stage *stage
	from  time.Time  // the window's oldest day: the sync state's once committed
	done  chan error // its outcome, once
}

func (c *connSync) newPipe(ctx context.Context, r accountRecord, w *accountWindows) *windowPipe {
	fetchCtx, cancel := context.WithCancelCause(ctx)
	return &windowPipe{c: c, r: r, w: w, parent: ctx, ctx: fetchCtx, cancel: cancel}
}

// fetch stages the window from..to (rows inside [from, keepTo] counted)
// on the stage no commit is using, and returns how many rows fell inside.
func (p *windowPipe) fetch(from, to, keepTo time.Time) (int, error) {
	sg := p.w.stage
	if p.running != nil && p.running.stage == sg {
		if p.w.spare == nil {
			if err := p.openSpare(); err != nil {
				return 0, p.c.storeFailed(err)
			}
		}
		sg = p.w.spare
	}
	p.fetched = sg
	return p.c.stageWindow(p.ctx, p.r, sg, from, to, keepTo)
}

// openSpare opens the second stage, and the connection that commits
// every window from then on: stage's own is about to stage the window
// after the one committing.
func (p *windowPipe) openSpare() error {
	committer, err := p.c.y.store.db.Conn(p.ctx)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	spare, err := p.c.openStage(p.ctx)
	if err != nil {
		committer.Close()
		return err
	}
	p.w.spare, p.w.committer = spare, committer
	return nil
}

// commit starts committing the window fetched last, moving the oldest day
// asked back to from, once the window before is committed (settle into
// st). It fails, with st as the last committed window left it, when that
// commit failed.
func (p *windowPipe) commit(st *syncState, from time.Time) error {
	if err := p.settle(st); err != nil {
		return err
	}
	wc := &windowCommit{stage: p.fetched, from: from, done: make(chan error, 1)}
	p.running = wc
	conn := p.w.committer // read here: the next fetch may open it
	go func() {
		err := p.c.commitStaged(p.parent, p.r, p.w, wc.stage, conn, from)
		if err != nil {
			p.cancel(err)
		}
		wc.done <- err
	}()
	return nil
}

// settle waits for the commit running, if any; once it has landed, st's
// oldest day is its window's.
func (p *windowPipe) settle(st *syncState) error {
	if p.running == nil {
		return nil
	}
	err := <-p.running.done
	if err == nil {
		st.OldestDay = p.running.from
	}
	p.running = nil
	return err
}

// stop waits for a commit still running (so no goroutine outlives the
// back-fill, nor uses a stage being closed) and ends the fetches' context.
func (p *windowPipe) stop() {
	if p.running != nil {
		<-p.running.done
		p.running = nil
	}
	p.cancel(nil)
}
