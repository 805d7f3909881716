package ledgertest

import (
	"fmt"
	"io"
	"os"
	"testing"
)

// The scale benchmarks (issue 14) run every operation at 10k, 100k and 1M
// rows in the selected account. The 1M size takes minutes to build and to
// run on a small machine, so it runs only with BANKTUI_BENCH_1M=1 (make
// bench sets it); without it the 1M sub-benchmarks say so and skip.

// ScaleSizes are the rows of the selected account at each size.
var ScaleSizes = []int{10_000, 100_000, 1_000_000}

// ScaleEnv turns the 1M size on.
const ScaleEnv = "BANKTUI_BENCH_1M"

// ScaleName is a size's sub-benchmark name: "10k", "100k", "1M".
func ScaleName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// ScaleSpec is the store of a size: the selected (current) account with n
// rows over ten years, two smaller accounts, three pending rows each.
func ScaleSpec(n int) Spec { return Spec{Rows: []int{n, 2000, 500}, Years: 10, Pending: 3} }

// EachScale runs fn as a sub-benchmark per size, skipping 1M unless
// ScaleEnv is set.
func EachScale(b *testing.B, fn func(b *testing.B, n int)) {
	for _, n := range ScaleSizes {
		b.Run(ScaleName(n), func(b *testing.B) {
			if n >= 1_000_000 && os.Getenv(ScaleEnv) == "" {
				b.Skipf("1M rows: set %s=1 (make bench does)", ScaleEnv)
			}
			fn(b, n)
		})
	}
}

// ScaleStore is the cached store of size n (Cached), built on first use.
func ScaleStore(b *testing.B, n int) string {
	b.Helper()
	path, err := Cached(ScaleSpec(n))
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// CopyFile copies the store at src (read-only by convention) to dst, for a
// benchmark that writes to it.
func CopyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
