//go:build e2e

// The report make chaos prints and writes.

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/internal/procstat"
)

// --- the report -----------------------------------------------------------------------------

func (h *harness) writeReport(runErr error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var w strings.Builder
	claims, regions, releases := 0, 0, 0
	for _, s := range h.stacks {
		if s.claim {
			claims++
		}
		if rs, _, _ := unstructured.NestedSlice(s.obj.Object, "spec", "regions"); len(rs) > 1 {
			regions++
		}
		if _, ok, _ := unstructured.NestedMap(s.obj.Object, "spec", "release"); ok {
			releases++
		}
	}
	fmt.Fprintf(&w, "# make chaos: %d stacks, %d faults\n\n", len(h.stacks), len(h.results))
	fmt.Fprintf(&w, "Date: %s; machine: %d CPUs, load %s; run took %s.  \n", time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), procstat.LoadAvg(), time.Since(h.start).Round(time.Second))
	fmt.Fprintf(&w, "Stacks: %d (legacy claims: %d, with a release block: %d, in two regions: %d) in %d namespaces; all Ready after %s at first.  \n",
		len(h.stacks), claims, releases, regions, min(h.c.namespaces, h.c.n), h.readyAfter.Round(time.Second))
	fmt.Fprintf(&w, "Managed resources checked: %d of %d kinds, after every fault and every 2 s while it lasted.  \n", h.mrCount, h.kindsCounted)
	fmt.Fprintf(&w, "Recovery bound: %s.\n\n", h.c.bound)
	w.WriteString("| fault | what | samples | recreations | shrinks | untrue conditions | recovery |\n|---|---|---|---|---|---|---|\n")
	totalRec, totalShr := 0, 0
	for _, r := range h.results {
		rec := r.recovery.Round(100 * time.Millisecond).String()
		if r.err != nil {
			rec = "ERROR: " + shorten(r.err.Error(), 200)
		}
		totalRec += len(r.recreations)
		totalShr += len(r.shrinks)
		fmt.Fprintf(&w, "| %s | %s | %d | %d | %d | %d | %s |\n", r.name, r.what, r.samples, len(r.recreations), len(r.shrinks), len(r.truth), rec)
	}
	fmt.Fprintf(&w, "\n**Recreations: %d. Shrinks: %d.**  \n", totalRec, totalShr)
	fmt.Fprintf(&w, "Function: peak RSS %.1f MiB (bound %d MiB), peak goroutines %d (go_goroutines of its metrics, %d samples; bound %d), %d processes (PIDs) over the run.\n",
		float64(h.rssPeakKiB)/1024, h.c.maxRSSMiB, h.goroutinePeak, h.goroutineSamples, h.c.maxGoroutine, len(h.fnPIDs))
	for _, r := range h.results {
		if len(r.notes)+len(r.recreations)+len(r.shrinks)+len(r.truth) == 0 {
			continue
		}
		fmt.Fprintf(&w, "\n%s:\n", r.name)
		for _, n := range r.notes {
			fmt.Fprintf(&w, "- %s\n", n)
		}
		for _, l := range [][]string{r.recreations, r.shrinks, r.truth} {
			for i, v := range l {
				if i == 10 {
					fmt.Fprintf(&w, "- … and %d more\n", len(l)-10)
					break
				}
				fmt.Fprintf(&w, "- VIOLATION %s\n", v)
			}
		}
	}
	if runErr != nil {
		fmt.Fprintf(&w, "\n**FAILED**: %v\n", runErr)
	} else {
		w.WriteString("\n**PASSED**\n")
	}
	fmt.Print("\n" + w.String())
	if err := os.MkdirAll(filepath.Dir(h.c.out), 0o755); err == nil {
		_ = os.WriteFile(h.c.out, []byte(w.String()), 0o644)
	}
}
