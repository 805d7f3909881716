// Command benchtable reads `go test -bench Scale` output on stdin and
// prints the scale benchmarks of issue 14 as a Markdown table: one row per
// operation, one column per size, each cell the time per operation and the
// peak resident set. Lines it does not know pass through to stderr, so a
// failure is still seen.
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
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			fmt.Fprintln(os.Stderr, sc.Text())
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

// cell is "12.3 ms, 45 MiB" from "12300000 ns/op 45.0 peak-RSS-MiB 3.1 peak-heap-MiB".
func cell(metrics string) string {
	f := strings.Fields(metrics)
	var ns, rss float64
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
		}
	}
	return duration(ns) + ", " + strconv.FormatFloat(rss, 'f', 0, 64) + " MiB"
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
