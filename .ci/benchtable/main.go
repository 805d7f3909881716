// Command benchtable reads `go test -bench Scale` output on stdin and
// prints the scale benchmarks of issue 14 as a Markdown table: one row per
// operation, one column per size, each cell the time per operation (for a
// key, "rows" is the part until its rows are on screen) and the peak
// resident set. Every line read passes through to stderr, so the raw
// figures and any failure are still seen.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ops are the benchmarks in the table's order, with their row names.
var ops = []struct{ bench, name string }{
	{"ScaleTUIFirstFrame", "TUI first frame"},
	{"ScaleJumpToEnd", "jump to end (G / g)"},
	{"ScaleFilterKeystroke", "filter keystroke"},
	{"ScaleSortChange", "sort change (s)"},
	{"ScaleMonthStep", "month step ([ / ])"},
	{"ScaleFullSync", "full sync"},
	{"ScaleWindowedSync", "full sync, 90-day windows"},
	{"ScaleSlowBankSync", "full sync, bank 300 ms a window"},
	{"ScaleIncrementalSync", "incremental sync"},
	{"ScaleExport", "export (ledger format)"},
}

var sizes = []string{"10k", "100k", "1M"}

// line is "BenchmarkScaleX/10k-2   20   123 ns/op   45.6 peak-RSS-MiB ...".
var line = regexp.MustCompile(`^Benchmark(Scale\w+)/(\w+?)(-\d+)?\s+\d+\s+(.*)$`)

func main() {
	cells := map[string]string{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Fprintln(os.Stderr, sc.Text())
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		cells[m[1]+"/"+m[2]] = cell(m[4])
	}
	fmt.Println("| operation | " + strings.Join(sizes, " rows | ") + " rows |")
	fmt.Println("|---|" + strings.Repeat("---:|", len(sizes)))
	for _, op := range ops {
		row := []string{op.name}
		for _, s := range sizes {
			c := cells[op.bench+"/"+s]
			if c == "" {
				c = "not run"
			}
			row = append(row, c)
		}
		fmt.Println("| " + strings.Join(row, " | ") + " |")
	}
}

// cell is "12.3 ms (rows 4.1 ms), 45 MiB" from "12300000 ns/op 45.0
// peak-RSS-MiB 3.1 peak-heap-MiB 4.1 rows-ms".
func cell(metrics string) string {
	f := strings.Fields(metrics)
	var ns, rss, rows float64
	for i := 0; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		switch f[i+1] {
		case "ns/op":
			ns = v
		case "peak-RSS-MiB":
			rss = v
		case "rows-ms":
			rows = v
		}
	}
	t := duration(ns)
	if rows > 0 {
		t += " (rows " + duration(rows*1e6) + ")"
	}
	return t + ", " + strconv.FormatFloat(rss, 'f', 0, 64) + " MiB"
}

func duration(ns float64) string {
	switch {
	case ns >= 1e9:
		return strconv.FormatFloat(ns/1e9, 'f', 2, 64) + " s"
	case ns >= 1e6:
		return strconv.FormatFloat(ns/1e6, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ns/1e3, 'f', 0, 64) + " µs"
}
