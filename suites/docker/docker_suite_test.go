package dockersuite_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
	dockersuite "github.com/ftpsim/ftpsim/suites/docker"
)

// The two testcontainers-go settings this machine kind needs, unless the
// environment sets them (the Makefile and .ci/run do): no reaper (its
// image cannot be pulled without a registry) and 127.0.0.1 as the host
// (with /.dockerenv present it would dial the default gateway). They are
// read once, on first use, so they are set before anything runs.
func init() {
	for k, v := range map[string]string{"TESTCONTAINERS_RYUK_DISABLED": "true", "TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1"} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
}

// TestDocker runs the catalogue against FTPS products in containers.
func TestDocker(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ftpsim docker products", Label("docker"))
}

// imageInfo is what process 1 found or built, shipped to every process.
type imageInfo struct {
	Ref, Err     string
	Cached       bool
	Duration     time.Duration
	Base         string
	BaseCached   bool
	BaseDuration time.Duration
}

var (
	// images are the product images by product name.
	images map[string]imageInfo
	// set is this process's certificate set: containers and personas
	// serve its certificates, clients trust its CA.
	set *pki.Set
	// catalogue is the scenario catalogue.
	catalogue = scenarios.Catalogue()
)

// Report entry names this suite uses.
const (
	entryImage   = "docker image"
	entryStartup = "docker startup"
	entrySkipped = "not applicable"
	entryRow     = "catalogue row" // a dockersuite.Row as JSON
)

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	if err := docker.Available(ctx); err != nil {
		// One line, on stdout so go test -v shows it without -ginkgo.v.
		fmt.Println("\nSKIP docker suite: " + err.Error())
		Skip("docker: " + err.Error())
	}
	if rep, err := docker.SweepStale(ctx, time.Hour); err != nil || len(rep.Containers) > 0 {
		GinkgoWriter.Printf("swept containers of earlier runs: %v %v\n", rep, err)
	}
	// The Debian images share one base; they build in parallel after it.
	_, baseErr := docker.BaseImage(ctx)
	infos := map[string]imageInfo{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range docker.Products() {
		wg.Go(func() {
			im, err := p.Image(ctx)
			info := imageInfo{Ref: im.Ref, Cached: im.Cached, Duration: im.Duration}
			if im.Base != nil {
				info.Base, info.BaseCached, info.BaseDuration = im.Base.Ref, im.Base.Cached, im.Base.Duration
			}
			if err != nil {
				info.Err = err.Error()
			}
			mu.Lock()
			infos[p.Name] = info
			mu.Unlock()
		})
	}
	wg.Wait()
	if baseErr != nil {
		GinkgoWriter.Printf("base image: %v\n", baseErr)
	}
	for _, name := range sortedNames(infos) {
		AddReportEntry(entryImage, describeImage(name, infos[name]))
	}
	b, err := json.Marshal(infos)
	Expect(err).NotTo(HaveOccurred())
	return b
}, func(ctx SpecContext, b []byte) {
	Expect(json.Unmarshal(b, &images)).To(Succeed())
	var err error
	set, err = pki.NewSet(pki.SetOptions{})
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(9*time.Minute))

// Every process removes what it created, by label, even what a failed
// start or an interrupted spec left running; then nothing may remain.
var _ = SynchronizedAfterSuite(func(ctx SpecContext) {
	if images == nil {
		return // skipped: no engine
	}
	rep, err := docker.Sweep(ctx)
	Expect(err).NotTo(HaveOccurred())
	GinkgoWriter.Printf("sweep: %v\n", rep)
	Expect(docker.Leftovers(ctx)).To(BeEmpty(), "containers left after the sweep")
}, func() {}, NodeTimeout(2*time.Minute))

// The build and startup times, and the catalogue scenarios that cannot run
// against containers, as one table: printed with go test -v and whenever
// the suite fails, and a JUnit property.
var _ = ReportAfterSuite("docker products", func(r Report) {
	var imgs []string
	startups := map[string][]time.Duration{}
	skipped := map[string]bool{}
	var rows []dockersuite.Row
	for _, s := range r.SpecReports {
		for _, e := range s.ReportEntries {
			switch e.Name {
			case entryRow:
				var row dockersuite.Row
				if json.Unmarshal([]byte(e.StringRepresentation()), &row) == nil {
					rows = append(rows, row)
				}
			case entryImage:
				imgs = append(imgs, e.StringRepresentation())
			case entryStartup:
				name, d, ok := strings.Cut(e.StringRepresentation(), " ")
				if dur, err := time.ParseDuration(d); ok && err == nil {
					startups[name] = append(startups[name], dur)
				}
			case entrySkipped:
				skipped[e.StringRepresentation()] = true
			}
		}
	}
	if len(imgs) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("images:\n")
	for _, l := range imgs {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("container startup (create to greeting), per product: first, median, max over n containers\n")
	for _, name := range sortedNames(startups) {
		ds := startups[name]
		first := ds[0]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Fprintf(&b, "  %-10s %6v %6v %6v  n=%d\n", name, round(first), round(ds[len(ds)/2]), round(ds[len(ds)-1]), len(ds))
	}
	if len(skipped) > 0 {
		b.WriteString("catalogue scenarios not run against containers:\n")
		for _, l := range sortedNames(skipped) {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	AddReportEntry("docker products", b.String(), types.ReportEntryVisibilityAlways)
	if len(rows) > 0 {
		// Printed by go test without -v too, when the table ran: it is the
		// suite's main result.
		table := "catalogue × product: the container's outcome and how it compares with the product's persona\n" +
			"(same: ended alike; known*: a listed difference, reason below; DIFFERENT!/STALE!/BROKEN! fail)\n" +
			dockersuite.FormatTable(rows)
		AddReportEntry("catalogue table", table, types.ReportEntryVisibilityAlways)
		fmt.Println("\n" + table)
	}
})

func describeImage(name string, im imageInfo) string {
	if im.Err != "" {
		return fmt.Sprintf("%-10s error: %s", name, im.Err)
	}
	s := fmt.Sprintf("%-10s %-30s %s in %v", name, im.Ref, builtOrCached(im.Cached), round(im.Duration))
	if im.Base != "" {
		s += fmt.Sprintf(" (base %s %s in %v)", im.Base, builtOrCached(im.BaseCached), round(im.BaseDuration))
	}
	return s
}

func builtOrCached(cached bool) string {
	if cached {
		return "cached"
	}
	return "built"
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }

func sortedNames[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// skipSaid remembers the products whose skip line was printed.
var skipSaid sync.Map

// requireImage returns the image of p, or skips the specs of p with one line.
func requireImage(p *docker.Product) string {
	GinkgoHelper()
	im, ok := images[p.Name]
	if !ok {
		Skip("docker: no image information for " + p.Name)
	}
	if im.Err != "" {
		if _, said := skipSaid.LoadOrStore(p.Name, true); !said {
			fmt.Println("\nSKIP docker " + p.Name + ": " + im.Err) // one line per product
		}
		Skip("docker: " + im.Err)
	}
	return im.Ref
}

// runTimeout bounds one scenario run (the runner's own step timeouts are
// 5 s each).
const runTimeout = 30 * time.Second
