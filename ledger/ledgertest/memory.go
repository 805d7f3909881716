package ledgertest

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Meter measures the peak memory of what runs between Measure and Report:
// the process's peak resident set (Linux's VmHWM, reset at the start) and
// the peak of the Go heap's live objects (sampled every millisecond).
type Meter struct {
	stop     chan struct{}
	done     sync.WaitGroup
	peakHeap uint64
}

// Measure returns freed memory to the system, resets the peak resident
// set and starts sampling the heap.
func Measure() *Meter {
	runtime.GC()
	debug.FreeOSMemory()
	// "5" resets the peak resident set size (Linux 4.0 and later).
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	m := &Meter{stop: make(chan struct{})}
	m.done.Add(1)
	go m.sample()
	return m
}

func (m *Meter) sample() {
	defer m.done.Done()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(s)
		m.peakHeap = max(m.peakHeap, s[0].Value.Uint64())
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
	}
}

// Stop ends the measure: the peak resident set and the peak live heap, in MiB.
func (m *Meter) Stop() (rssMiB, heapMiB float64) {
	close(m.stop)
	m.done.Wait()
	return PeakRSS(), float64(m.peakHeap) / (1 << 20)
}

// Report stops the measure and reports it on b as peak-RSS-MiB and peak-heap-MiB.
func (m *Meter) Report(b *testing.B) {
	rss, heap := m.Stop()
	b.ReportMetric(rss, "peak-RSS-MiB")
	b.ReportMetric(heap, "peak-heap-MiB")
}

// PeakRSS is the process's peak resident set in MiB (VmHWM), 0 where
// /proc does not say.
func PeakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
