package report

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// screenshotDirEnv names a directory where the browser tests keep their
// screenshots; without it they go to the test's temporary directory.
const screenshotDirEnv = "FTPSIM_SCREENSHOT_DIR"

// chromiumPath finds headless Chromium or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed: apt-get install chromium (.ci/install-peers.sh does)")
	return ""
}

// browserLog is what a page did that a self-contained page must not:
// console errors, uncaught exceptions, failed loads, and requests for
// anything but the page itself and data: URLs.
type browserLog struct {
	mu       sync.Mutex
	page     string // the page's own URL
	problems []string
}

func (b *browserLog) add(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// setPage makes file the page whose own URL may be requested.
func (b *browserLog) setPage(file string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.page = fileURL(file)
}

func (b *browserLog) pageURL() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.page
}

// fileURL is the file: URL of a local file.
func fileURL(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func (b *browserLog) list() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// listen sees every event of the tab from its start (it runs in the
// tab's read loop, so it only records).
func (b *browserLog) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.add("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		what := d.Text
		if d.Exception != nil {
			what += " " + d.Exception.Description
		}
		b.add("exception at %s:%d: %s", d.URL, d.LineNumber+1, what)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			b.add("browser log error (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventLoadingFailed:
		b.add("failed load (%s): %s %s", ev.Type, ev.ErrorText, ev.BlockedReason)
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		if u != b.pageURL() && !strings.HasPrefix(u, "data:") {
			b.add("request for %s: the page must fetch nothing", u)
		}
	}
}

// openPage opens file in a new headless Chromium and returns the tab's
// context and the log of what the page did. The browser is bounded by
// timeout and closed at the end of the test, which checks that its
// process is gone.
func openPage(t *testing.T, file string, timeout time.Duration) (context.Context, *browserLog) {
	t.Helper()
	exe := chromiumPath(t)
	pageURL := fileURL(file)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.WindowSize(1400, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	bounded, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(bounded, opts...)
	bl := &browserLog{page: pageURL}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(bl.listen))
	t.Cleanup(func() {
		var proc *os.Process
		if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil {
			proc = c.Browser.Process()
		}
		cancelTab()
		cancelAlloc() // kills the browser and waits for it
		cancelTimeout()
		if proc == nil {
			t.Errorf("cannot tell whether chromium exited: chromedp knows no browser process")
		} else {
			if err := proc.Signal(syscall.Signal(0)); err == nil || !errors.Is(err, os.ErrProcessDone) {
				t.Errorf("chromium (pid %d) still running after the test: %v", proc.Pid, err)
				proc.Kill()
			}
		}
	})
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("chromium could not open %s: %v", pageURL, err)
	}
	return ctx, bl
}

// saveScreenshot writes png to the test's temporary directory, and to
// $FTPSIM_SCREENSHOT_DIR when set, and returns the path kept.
func saveScreenshot(t *testing.T, name string, png []byte) string {
	t.Helper()
	dir := os.Getenv(screenshotDirEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("%s: %v", screenshotDirEnv, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writePage writes the report of results to file.
func writePage(t *testing.T, file string, results []*scenarios.Result, opts HTMLOptions) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, results, opts); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// runCatalogue runs every catalogue scenario, a few at a time.
func runCatalogue(t *testing.T) []*scenarios.Result {
	t.Helper()
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list := scenarios.Catalogue()
	results := make([]*scenarios.Result, len(list))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = scenarios.Run(context.Background(), list[i], scenarios.RunOptions{PKI: set, Timeout: 30 * time.Second})
			}
		}()
	}
	for i := range list {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// ladderNamesJS lists the scenario of every ladder on the page, in order.
const ladderNamesJS = `Array.from(document.querySelectorAll('svg.ladder'), s => s.getAttribute('data-scenario'))`

// geometryJS opens every section and reports each ladder text that
// leaves its diagram or overlaps another text of the same diagram.
const geometryJS = `(() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const out = [];
  for (const svg of document.querySelectorAll('svg.ladder')) {
    const name = svg.getAttribute('data-scenario');
    const box = svg.getBoundingClientRect();
    const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim() !== '');
    const rects = texts.map(t => t.getBoundingClientRect());
    rects.forEach((r, i) => {
      const what = JSON.stringify(texts[i].textContent);
      if (r.width === 0) out.push(name + ': ' + what + ' is not rendered');
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.push(name + ': ' + what + ' is clipped by the diagram edge');
    });
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i], b = rects[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2)
        out.push(name + ': ' + JSON.stringify(texts[i].textContent) + ' overlaps ' + JSON.stringify(texts[j].textContent));
    }
  }
  return out;
})()`

// TestCatalogueReportInChromium renders the report of the whole
// catalogue in headless Chromium: one ladder per scenario in order, no
// console error, exception or failed request (the page is
// self-contained), no ladder text clipped or overlapping another; it
// keeps a full-page screenshot and, with $FTPSIM_SCREENSHOT_DIR, one per
// ladder of the reuse, NAT, ALG and truncation families.
func TestCatalogueReportInChromium(t *testing.T) {
	chromiumPath(t)
	if testing.Short() {
		t.Skip("runs the whole catalogue; not in -short")
	}
	results := runCatalogue(t)
	file := filepath.Join(t.TempDir(), "report.html")
	writePage(t, file, results, HTMLOptions{Title: "catalogue", Generated: time.Now()})
	ctx, bl := openPage(t, file, 4*time.Minute)

	names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](ladderNamesJS))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(results) {
		t.Errorf("chromium sees %d svg.ladder elements for %d scenarios", len(names), len(results))
	}
	for i := 0; i < min(len(names), len(results)); i++ {
		if names[i] != results[i].Scenario.Name {
			t.Errorf("ladder %d is of %q, want %q", i, names[i], results[i].Scenario.Name)
		}
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("full-page screenshot: %s", saveScreenshot(t, "report.png", png))

	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](geometryJS))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("ladder text: %s", b)
	}
	if os.Getenv(screenshotDirEnv) != "" {
		// One small page per ladder: an element screenshot of the whole
		// catalogue page with every section open takes seconds each.
		for _, r := range results {
			sc := r.Scenario
			if !sc.HasLabel("reuse") && !sc.HasLabel("nat") && !sc.HasLabel("alg") && !sc.HasLabel("truncation") {
				continue
			}
			one := filepath.Join(filepath.Dir(file), "ladder-"+sc.Name+".html")
			writePage(t, one, []*scenarios.Result{r}, HTMLOptions{OpenAll: true})
			bl.setPage(one)
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := chromedp.Do(sctx, chromedp.Navigate(bl.pageURL()))
			var png []byte
			if err == nil {
				png, err = chromedp.Run(sctx, chromedp.Screenshot(chromedp.CSS("svg.ladder")))
			}
			cancel()
			if err != nil {
				t.Fatalf("screenshot of %s: %v", sc.Name, err)
			}
			saveScreenshot(t, "ladder-"+sc.Name+".png", png)
		}
	}
	for _, p := range bl.list() {
		t.Errorf("chromium: %s", p)
	}
}

// TestBrowserLogCatchesAFetch makes sure the checks above can fail: a
// page that loads a missing image is reported.
func TestBrowserLogCatchesAFetch(t *testing.T) {
	chromiumPath(t)
	file := filepath.Join(t.TempDir(), "fetch.html")
	page := `<!DOCTYPE html><html><head><title>x</title></head><body><img src="missing.png"><script>console.error("boom")</script></body></html>`
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, bl := openPage(t, file, time.Minute)
	if _, err := chromedp.Run(ctx, chromedp.Title()); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(bl.list(), "\n")
	for _, want := range []string{"missing.png", "console.error: \"boom\""} {
		if !strings.Contains(got, want) {
			t.Errorf("the browser log misses %q; it has:\n%s", want, got)
		}
	}
}
