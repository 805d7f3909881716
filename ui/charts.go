package ui

import (
	"math"
	"strings"
)

// The charts are drawn here with block and braille characters, coloured
// by the theme's styles: NimbleMarkets/ntcharts, the maintained Bubble Tea
// chart library, is on the Charm v1 line only (lipgloss and bubbletea v1),
// and horizontal bars and a line are a few dozen lines each.

// eighths are the block characters of a bar's last cell, by eighths.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// bar is a horizontal bar of frac (0 to 1) of w cells, in eighths of a
// cell, padded with spaces to w. A non-zero fraction shows at least a
// sliver, so a small amount is never drawn as none.
func bar(frac float64, w int) string {
	if w <= 0 {
		return ""
	}
	frac = math.Max(0, math.Min(1, frac))
	n := int(math.Round(frac * float64(w*8)))
	if n == 0 && frac > 0 {
		n = 1
	}
	full, part := n/8, n%8
	s := strings.Repeat("█", full) + eighths[part]
	used := full
	if part > 0 {
		used++
	}
	return s + strings.Repeat(" ", w-used)
}

// brailleBits: the dot of column x (0, 1) and row y (0 top to 3) of a
// braille cell.
var brailleBits = [2][4]rune{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}

// lineChart draws values (oldest first) as a line of braille dots in w×h
// cells, lowest value at the bottom row, highest at the top; consecutive
// points are joined. The line keeps its shape whatever the amounts.
func lineChart(values []float64, w, h int) []string {
	if w <= 0 || h <= 0 {
		return nil
	}
	cells := make([][]rune, h)
	for i := range cells {
		cells[i] = make([]rune, w)
	}
	dotsW, dotsH := w*2, h*4
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	yOf := func(v float64) int {
		if hi == lo {
			return dotsH / 2
		}
		return int(math.Round((hi - v) / (hi - lo) * float64(dotsH-1)))
	}
	set := func(x, y int) {
		cells[y/4][x/2] |= brailleBits[x%2][y%4]
	}
	prev := -1
	for x := 0; x < dotsW && len(values) > 0; x++ {
		y := yOf(sample(values, x, dotsW))
		if prev < 0 {
			prev = y
		}
		for yy := min(prev, y); yy <= max(prev, y); yy++ {
			set(x, yy)
		}
		prev = y
	}
	out := make([]string, h)
	for i, row := range cells {
		var b strings.Builder
		for _, c := range row {
			if c == 0 {
				b.WriteByte(' ')
			} else {
				b.WriteRune(0x2800 + c)
			}
		}
		out[i] = b.String()
	}
	return out
}

// sparkLevels are a sparkline's cells, lowest first.
var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values (oldest first) in w cells, sampled evenly as
// lineChart samples them: the lowest value ▁, the highest █, a flat line
// in the middle.
func sparkline(values []float64, w int) string {
	if w <= 0 || len(values) == 0 {
		return ""
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	var b strings.Builder
	for x := range w {
		v := sample(values, x, w)
		level := len(sparkLevels) / 2
		if hi > lo {
			level = int(math.Round((v - lo) / (hi - lo) * float64(len(sparkLevels)-1)))
		}
		b.WriteRune(sparkLevels[level])
	}
	return b.String()
}

// sample is values at x of n evenly spread positions, interpolated.
func sample(values []float64, x, n int) float64 {
	if len(values) == 1 {
		return values[0]
	}
	pos := float64(x) / float64(max(1, n-1)) * float64(len(values)-1)
	i := int(pos)
	if i >= len(values)-1 {
		return values[len(values)-1]
	}
	return values[i] + (values[i+1]-values[i])*(pos-float64(i))
}
