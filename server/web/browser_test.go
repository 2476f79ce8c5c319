package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/mailin/corpustest"
	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// corpusMails is how much of the libuv corpus the browser test loads: enough
// for full list pages, series, covers and review replies.
const corpusMails = 300

// findBrowser returns a Chromium binary, or "" when there is none.
func findBrowser() string {
	if p := os.Getenv("PATCHWORK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// console collects what a page reports: console errors and warnings,
// exceptions, log entries (CSP violations arrive here and as audit
// issues) and dialogs (an alert() would mean injected script ran).
type console struct {
	mu       sync.Mutex
	problems []string
}

func (c *console) add(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// take returns and clears what was collected.
func (c *console) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.problems
	c.problems = nil
	return p
}

// handle is a chromedp listener: it runs in the tab's message loop, so it
// only records; a dialog is dismissed from another goroutine.
func (c *console) handle(ctx *context.Context) func(ev any) {
	return func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			switch ev.Type {
			case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				c.add("console.%s: %s", ev.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			c.add("exception: %s", ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
				c.add("log %s/%s: %s (%s)", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL)
			}
		case *audits.EventIssueAdded:
			c.add("issue %s", ev.Issue.Code)
		case *page.EventJavascriptDialogOpening:
			c.add("dialog %s: %q", ev.Type, ev.Message)
			go func() {
				_, _ = chromedp.Call(*ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		}
	}
}

// TestBrowser loads a corpus-filled web view in headless Chromium at phone
// width: the list and patch pages must render, links must work, no console
// error or CSP violation may appear, and injected markup must stay inert.
// Screenshots go to the test's temp dir (and to PATCHWORK_SCREENSHOTS when
// set, to look at them).
func TestBrowser(t *testing.T) {
	bin := findBrowser()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found: CI must install Debian's chromium (.ci/run does)")
		}
		t.Skip("SKIPPED: no Chromium found (install Debian's chromium, or set PATCHWORK_CHROMIUM): the browser test did not run")
	}
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: the browser test starts Chromium")
	}
	s := sqltest.SQLite(t)
	f := newFixture(t, s)
	ctx := context.Background()

	// Load part of the corpus into the fixture's project (same List-Id).
	in, err := os.Open(corpustest.Path(t, "libuv-2000.mbox"))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	defer in.Close()
	ing := mailin.NewIngester(s, nil)
	var corpusPatch int64
	n := 0
	errStop := errors.New("enough")
	err = mailin.ReadMbox(in, func(raw []byte) error {
		if n++; n > corpusMails {
			return errStop
		}
		res, err := ing.Ingest(ctx, raw, "")
		if err != nil {
			return err
		}
		if res.Kind == mailin.StoredPatch && corpusPatch == 0 {
			corpusPatch = res.PatchID
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		t.Fatalf("ingest corpus: %v", err)
	}
	if corpusPatch == 0 {
		t.Fatal("the corpus gave no patch")
	}
	cp, err := s.GetPatch(ctx, corpusPatch)
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.New(web.Options{Store: s}))
	t.Cleanup(srv.Close)

	// A control page with our CSP and inline script and style: the browser
	// must report it, or this test could not notice a violation.
	res, err := http.Get(srv.URL + "/about/")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!DOCTYPE html><title>control</title><p style="color:red">x</p><script>alert(1)</script>`)
	}))
	t.Cleanup(control.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // CI runs as root
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	defer cancel()
	var con console
	var bctx context.Context
	bctx, cancel = chromedp.NewContext(actx, chromedp.WithListener(con.handle(&bctx)))
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	if _, err := chromedp.Call(bctx, audits.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start Chromium %s: %v", bin, err)
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatalf("phone viewport: %v", err)
	}

	if err := chromedp.Do(bctx, chromedp.Navigate(control.URL), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &con, "the control page's CSP violations")

	shots := t.TempDir()
	if d := os.Getenv("PATCHWORK_SCREENSHOTS"); d != "" {
		shots = d
	}
	// shot saves what the phone shows first (the viewport) and the whole page.
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		png, err = chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(shots, name+"-full.png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", p, len(png))
	}
	// pageCheck asserts what must hold on every page of ours.
	type pageFacts struct {
		Scripts, Handlers, Overflow int
		Text                        string
	}
	pageCheck := func(what string) {
		t.Helper()
		js := `(() => {
			let handlers = 0;
			for (const el of document.querySelectorAll('*'))
				for (const a of el.attributes) if (a.name.startsWith('on')) handlers++;
			return {Scripts: document.scripts.length, Handlers: handlers,
				Overflow: document.documentElement.scrollWidth - window.innerWidth,
				Text: document.body ? document.body.innerText : ''};
		})()`
		r, err := chromedp.Run(bctx, chromedp.Evaluate[pageFacts](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if r.Scripts != 0 || r.Handlers != 0 {
			t.Errorf("%s: %d script elements, %d event handler attributes", what, r.Scripts, r.Handlers)
		}
		if len(strings.TrimSpace(r.Text)) < 50 {
			t.Errorf("%s: page nearly empty: %q", what, r.Text)
		}
		// Wide content (diffs, tables) scrolls in its own box; the page
		// itself must fit the phone.
		if r.Overflow > 0 {
			t.Errorf("%s: page is %d px wider than the 390 px phone screen", what, r.Overflow)
		}
		if p := con.take(); len(p) > 0 {
			t.Errorf("%s: browser reported:\n%s", what, strings.Join(p, "\n"))
		}
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}

	// The list, then follow the first patch link.
	firstLink := chromedp.CSS("table.patches tbody tr td.name a")
	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/project/test/list/"),
		chromedp.WaitVisible(chromedp.CSS("table.patches tbody tr")),
	); err != nil {
		t.Fatalf("list page: %v", err)
	}
	if rows := count("table.patches tbody tr"); rows != 100 {
		t.Errorf("list shows %d rows, want a full page of 100", rows)
	}
	pageCheck("list")
	shot("list-phone")
	href, err := chromedp.Run(bctx, chromedp.AttributeValue(firstLink, "href"))
	if err != nil || !href.Exists {
		t.Fatalf("first patch link: %v %+v", err, href)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(firstLink, chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	); err != nil {
		t.Fatalf("follow a patch link: %v", err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, href.Value) || !strings.Contains(loc, "/project/test/patch/") {
		t.Errorf("after the click: at %q, link was %q", loc, href.Value)
	}
	pageCheck("followed patch")

	// A corpus patch with a diff, reviews and a series.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+mbox.PatchPath("test", cp.MsgID)),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	); err != nil {
		t.Fatalf("patch page: %v", err)
	}
	if count(".da")+count(".dd") == 0 {
		t.Error("patch page: the diff has no coloured lines")
	}
	// The diff as shown is the diff as stored, lines and all (copy-paste).
	if shown, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('pre.diff').textContent`)); err != nil || shown != cp.Diff {
		t.Errorf("patch page: diff text differs from the stored diff (err %v)\n%.300q\n%.300q", err, shown, cp.Diff)
	}
	pageCheck("patch")
	shot("patch-phone")
	if png, err := chromedp.Run(bctx, chromedp.Screenshot(chromedp.CSS("pre.diff"))); err != nil {
		t.Errorf("diff screenshot: %v", err)
	} else if err := os.WriteFile(filepath.Join(shots, "patch-diff.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// The attack patch: nothing runs, no dialog opens.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+mbox.PatchPath("test", f.xss.MsgID)),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	); err != nil {
		t.Fatalf("xss page: %v", err)
	}
	pageCheck("xss patch")
	shot("xss-phone")
}

// waitFor polls until the browser has reported something (events arrive
// asynchronously), failing after a generous bound.
func waitFor(t *testing.T, c *console, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		n := len(c.problems)
		c.mu.Unlock()
		if n > 0 {
			t.Logf("%s: %s", what, strings.Join(c.take(), "; "))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: the browser reported nothing; violations could go unnoticed", what)
}
