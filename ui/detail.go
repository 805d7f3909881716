package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// detailPane shows every field of the selected transaction. The list is read
// without the bank's JSON, so the detail shows the list's fields at once and
// the rest when its own read of the record lands.
type detailPane struct {
	pc      *programContext
	source  txSource
	tx      *ledger.TxView // the list's row shown; nil for none
	key     txKey
	gen     uint64         // the list load the record was read after
	record  *ledger.TxView // the full record of key; nil until read
	loading bool
	err     string
	seq     uint64 // the latest read; older replies are dropped
	offset  int    // first line on screen
	w, h    int
}

func newDetailPane(pc *programContext, src txSource) detailPane {
	return detailPane{pc: pc, source: src}
}

// follow shows v, the list's selected row, and returns the read of its
// record when the pane is open and does not have it: a new selection, or a
// new load of the list (the record may have changed in the store; the one
// already read stays shown meanwhile).
func (p *detailPane) follow(v *ledger.TxView, gen uint64, open bool) tea.Cmd {
	p.tx = v
	if v == nil || !open || p.source == nil {
		return nil
	}
	k := keyOf(v)
	switch {
	case k != p.key:
		p.key, p.record, p.err, p.offset = k, nil, "", 0
	case gen != p.gen:
	case p.record != nil || p.loading || p.err != "":
		return nil
	}
	p.gen = gen
	p.loading, p.err = true, ""
	p.seq = p.pc.nextSeq()
	return loadDetailCmd(p.pc.ctx, p.seq, p.source, k)
}

// rewind scrolls back to the first field (the detail was opened).
func (p *detailPane) rewind() { p.offset = 0 }

func (p *detailPane) setSize(w, h int) { p.w, p.h = w, h }

// Update applies the record's read and scrolls a long detail (the root
// sends single up/down steps to the list, to walk to the next transaction).
func (p detailPane) Update(msg tea.Msg) (detailPane, tea.Cmd) {
	switch msg := msg.(type) {
	case detailLoadedMsg:
		if msg.seq != p.seq || msg.key != p.key {
			return p, nil // stale: the selection moved on
		}
		p.loading = false
		if msg.err != nil {
			p.record, p.err = nil, msg.err.Error()
			return p, nil
		}
		v := msg.view
		p.record = &v
	case tea.KeyPressMsg:
		if d, ok := moveDelta(&p.pc.keys, msg, max(1, p.h-2)); ok {
			p.scroll(d)
		}
	case tea.MouseWheelMsg:
		p.scroll(wheelDelta(msg))
	}
	return p, nil
}

func (p *detailPane) scroll(delta int) {
	n := 0
	if p.tx != nil {
		n = len(p.lines(p.tx, p.w-2))
	}
	p.offset = clamp(p.offset+delta, 0, max(0, n-(p.h-2)))
}

// View draws the pane in a w×h box.
func (p detailPane) View(w, h int) string {
	var lines []string
	title := " Detail "
	if p.tx == nil {
		lines = p.pc.box(w, h, title, true, []string{p.pc.styles.Muted.Render(" no transaction selected")})
	} else {
		body := p.lines(p.tx, w-2)
		off := clamp(p.offset, 0, max(0, len(body)-(h-2)))
		lines = p.pc.box(w, h, title+"· esc back ", true, body[off:])
	}
	return strings.Join(lines, "\n")
}

// full is v with the bank's JSON once the record is read (ok=false before).
func (p *detailPane) full(v *ledger.TxView) (full *ledger.TxView, ok bool) {
	if p.record == nil || p.key != keyOf(v) {
		return v, false
	}
	c := *v // the list's fields, the record's Raw
	c.Raw = p.record.Raw
	return &c, true
}

// field is one line of the detail before wrapping.
type field struct{ key, value string }

func (p *detailPane) lines(v *ledger.TxView, w int) []string {
	v, complete := p.full(v)
	fields := p.fields(v)
	// Field names get 16 cells, more on a wide pane for the bank's long
	// ones, as long as values keep 42.
	keyW := 16
	for _, f := range fields {
		keyW = max(keyW, min(ansi.StringWidth(f.key), w-44))
	}
	valW := max(8, w-keyW-2)
	st := &p.pc.styles
	var out []string
	for _, f := range fields {
		if f.value == "" && f.key == "Meta" {
			out = append(out, " "+st.Bold.Render("Meta"))
			continue
		}
		for i, part := range strings.Split(ansi.Wrap(f.value, valW, " "), "\n") {
			k := ""
			if i == 0 {
				k = f.key
			}
			out = append(out, " "+st.Muted.Render(fit(k, keyW))+" "+part)
		}
	}
	if !complete {
		note := "loading the rest…"
		if p.err != "" && p.key == keyOf(v) {
			note = "the rest is unavailable: " + ledger.Sanitize(firstLine(p.err))
		}
		out = append(out, " "+st.Muted.Render(ansi.Truncate(note, max(1, w-1), "…")))
	}
	return out
}

// fields lists what the detail shows of v, sanitised, empty ones left out.
func (p *detailPane) fields(v *ledger.TxView) []field {
	privacy := p.pc.privacy
	var out []field
	add := func(k, val string) {
		if val = ledger.Sanitize(val); val != "" {
			out = append(out, field{k, val})
		}
	}
	raw := &v.Raw
	status := "settled"
	if v.Pending {
		status = "pending"
	}
	amt := money(v.Amount, v.Currency, true, privacy)
	if !privacy {
		amt += "  (" + v.Amount.String() + " " + v.Currency + " as sent)"
	}
	add("Description", v.Description)
	add("Merchant", v.Merchant)
	add("Amount", amt)
	add("Status", status)
	switch t, ok := v.LocalTime(p.pc.loc); {
	case !ok:
		add("Date", ledger.UnknownDate)
	case v.DateOnly:
		add("Date", t.Format("2006-01-02")+" (the bank gave no time)")
	default:
		add("Date", t.Format("2006-01-02 15:04:05 MST"))
	}
	add("Timestamp sent", raw.Timestamp.Raw)
	add("Type", raw.TransactionType)
	// The name shown everywhere, then the bank's code (its classification
	// is the name).
	add("Category", v.CategoryName)
	add("Bank category", v.Category)
	switch v.TransferKind {
	case ledger.TransferOwn:
		add("Transfer", "between your own accounts: neither income nor spending")
	case ledger.TransferCardPayment:
		add("Transfer", "a card repayment: neither income nor spending")
	}
	if v.RunningBalance != nil {
		add("Running balance", money(*v.RunningBalance, v.Currency, false, privacy))
	}
	if a := p.pc.bank.find(v.AccountID); a != nil {
		add("Account", a.DisplayName+" ("+a.ProviderName+")")
	}
	add("Transaction ID", firstNonEmpty(raw.TransactionID, v.ID))
	add("Provider tx ID", raw.ProviderTransactionID)
	add("Normalised ID", raw.NormalisedProviderTransactionID)
	add("Settled from", v.SettledFrom) // the pending row this one replaced
	if len(raw.Meta) > 0 {
		out = append(out, field{key: "Meta"})
		keys := make([]string, 0, len(raw.Meta))
		for k := range raw.Meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			val := fmt.Sprint(raw.Meta[k])
			if privacy {
				val = maskDigits(val) // a card's or an account's number
			}
			add("  "+ledger.Sanitize(k), val)
		}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
