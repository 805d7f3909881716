package ui

import (
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/banktui/banktui/ledger"
)

// sweepSizes run from below the smallest layout to a very wide terminal.
var sweepSizes = [][2]int{{20, 6}, {40, 12}, {60, 20}, {80, 24}, {100, 30}, {160, 50}, {250, 70}}

// sweepScreens are every pane and state a key press reaches.
var sweepScreens = []struct {
	name string
	keys []string
	typ  string // typed into the filter
}{
	{"accounts", nil, ""},
	{"cards", []string{"2"}, ""},
	{"transactions", []string{"3", "j", "j"}, ""},
	{"last row", []string{"3", "G"}, ""},
	{"detail", []string{"3", "j", "enter"}, ""},
	{"insights", []string{"4"}, ""},
	{"insights year", []string{"4", "y"}, ""},
	{"help", []string{"?"}, ""},
	{"filter", []string{"3", "/"}, "tesco amount:<-50"},
	{"month", []string{"3", "[", "["}, ""},
	{"privacy", []string{".", "3"}, ""},
	{"sort", []string{"3", "s", "s"}, ""},
}

// hostileTexts are bank text a layout must survive: long, wide, emoji
// sequences a terminal measures two ways, combining marks, right to left,
// tabs, only spaces, zero-width characters.
var hostileTexts = []string{
	strings.Repeat("VERY LONG MERCHANT NAME ", 20),
	"東京都渋谷区コンビニエンスストア株式会社支店",
	"👨‍👩‍👧‍👦 Family 🏳️‍🌈 flag 👩🏽‍💻 coder ❤️",
	"Cafe\u0301 Zo\u0308e n\u0303 a\u0300\u0301\u0302\u0303\u0304 กำ",
	"שלום עולם مرحبا بالعالم",
	"TAB\tSEPARATED\tTEXT\t\tEND",
	"      ",
	"☕ Costa ⭐ Coffee ⚡",
	"ＦＵＬＬＷＩＤＴＨ　ＢＡＮＫ",
	"x\u200by\u200dz\ufeffw soft\u00adhyphen",
}

// hostileEnv is the fake bank with hostile names, merchants, descriptions
// and categories everywhere.
func hostileEnv(n int) *fakeEnv {
	e := onlineEnv(n)
	for i := range e.store.accounts {
		e.store.accounts[i].DisplayName = hostileTexts[(i+1)%len(hostileTexts)]
		e.store.accounts[i].ProviderName = hostileTexts[(i+2)%len(hostileTexts)]
	}
	for k, txs := range e.store.txs {
		for i := range txs {
			txs[i].Merchant = hostileTexts[i%len(hostileTexts)]
			txs[i].Description = hostileTexts[(i+3)%len(hostileTexts)]
			txs[i].Raw.Description = txs[i].Description
			txs[i].CategoryName = hostileTexts[(i+5)%len(hostileTexts)]
		}
		e.store.txs[k] = txs
	}
	return e
}

// bigEnv is the fake bank with amounts wider than the usual columns.
func bigEnv(n int) *fakeEnv {
	e := onlineEnv(n)
	e.store.accounts[0].Current = amt("-1234567.89")
	e.store.accounts[0].Available = amt("12345678.9012")
	e.store.accounts[1].Current = amt("123456789.12")
	e.store.accounts[2].Currency = "CHF"
	e.store.accounts[2].Current = amt("-98765.43")
	e.store.accounts[3].Current = amt("1234567.50")
	e.store.totals = []ledger.CurrencyTotal{{Currency: "CHF", Total: amt("-98765.43")},
		{Currency: "GBP", Total: amt("123456789.12")}, {Currency: "IDR", Total: amt("123456789012")}}
	for k, txs := range e.store.txs {
		for i := range txs {
			if i%3 == 0 {
				txs[i].Amount = amt("-1234567.891")
				rb := amt("-12345678.90")
				txs[i].RunningBalance = &rb
			}
		}
		e.store.txs[k] = txs
	}
	return e
}

// cutAmount is an amount that lost its end to an ellipsis: "£1,234,56…"
// reads as another number.
var cutAmount = regexp.MustCompile(`[£€$¥₹][0-9,.]*…|(CHF|IDR) -?[0-9][0-9,.]*…`)

// TestEveryScreenHoldsItsShape renders every pane and state at every size
// on the fake bank, on hostile bank text and on very large amounts: the
// frame is exactly the terminal's size, measured both as the panes measure
// (graphemes) and as a terminal without grapheme clustering does (rune by
// rune), and no amount is cut.
func TestEveryScreenHoldsItsShape(t *testing.T) {
	banks := []struct {
		name string
		env  func(int) *fakeEnv
	}{{"fake", onlineEnv}, {"hostile", hostileEnv}, {"big amounts", bigEnv}}
	for _, bank := range banks {
		for _, sz := range sweepSizes {
			for _, sc := range sweepScreens {
				h := bank.env(30).startSynced(t, sz[0], sz[1]).press(sc.keys...)
				if sc.typ != "" {
					h.typeText(sc.typ)
				}
				what := bank.name + " " + sc.name + " " + ansi.Strip(sizeName(sz))
				checkShape(t, what, h.screen(), sz[0], sz[1])
			}
		}
	}
}

func sizeName(sz [2]int) string {
	return strings.Join([]string{itoa(sz[0]), itoa(sz[1])}, "x")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// checkShape: exactly h lines, each exactly w cells both ways, no cut amount.
func checkShape(t *testing.T, what, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("%s: frame has %d lines, want %d", what, len(lines), h)
	}
	for i, l := range lines {
		if gw, ww := ansi.StringWidth(l), ansi.StringWidthWc(l); gw != w || ww != w {
			t.Errorf("%s: line %d is %d cells as graphemes, %d rune by rune; terminal %d:\n%s", what, i, gw, ww, w, l)
		}
		if m := cutAmount.FindString(l); m != "" {
			t.Errorf("%s: line %d cuts an amount to %q:\n%s", what, i, m, l)
		}
	}
}

// A resize from large to tiny and back keeps the selected row and the
// shape of every frame on the way.
func TestResizeKeepsShapeAndSelection(t *testing.T) {
	h := hostileEnv(60).startSynced(t, 250, 70).press("3", "j", "j", "j")
	want := h.selected()
	for _, sz := range [][2]int{{160, 50}, {100, 30}, {80, 24}, {60, 20}, {40, 12}, {20, 6}, {40, 12}, {100, 30}, {250, 70}} {
		h.resize(sz[0], sz[1])
		checkShape(t, "resized to "+sizeName(sz), h.screen(), sz[0], sz[1])
	}
	if got := h.selected(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("selection after the round trip: %q, want %q", got, want)
	}
}

// Once the terminal says it clusters graphemes (mode 2027), Bubble Tea's
// renderer measures as the panes do and emoji sequences are drawn whole.
func TestEmojiSequencesWholeWhenTheTerminalClustersGraphemes(t *testing.T) {
	family := "👨‍👩‍👧‍👦"
	h := hostileEnv(30).startSynced(t, 120, 30).press("3")
	if strings.Contains(h.screen(), family) {
		t.Errorf("before the terminal reports mode 2027 the frame holds %q, which it measures as 8 cells", family)
	}
	h.send(tea.ModeReportMsg{Mode: ansi.ModeUnicodeCore, Value: ansi.ModeReset})
	if !strings.Contains(h.screen(), family) {
		t.Errorf("with grapheme clustering the family emoji should be drawn whole:\n%s", h.screen())
	}
	checkFrame(t, h.screen(), 120, 30)
}

// A merchant of only spaces names nothing: the row shows the description.
func TestBlankMerchantFallsBackToDescription(t *testing.T) {
	e := onlineEnv(5)
	e.store.txs["acc-current"][0].Merchant = "   \t "
	e.store.txs["acc-current"][0].Description = "BLANKNAME"
	s := e.startSynced(t, 120, 30).press("3").screen()
	if !strings.Contains(s, "BLANKNAME") {
		t.Errorf("a blank merchant hides the description:\n%s", s)
	}
}
