package http

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The end-to-end walk (ui_walk_test.go) drives one browser with one
// isolated session per user, and saves screenshots of the main pages.

// walkViewport is the laptop screen the screenshots are taken at.
const (
	walkWidth  = 1280
	walkHeight = 900
	// maxShotBytes: a full-page capture larger than this is replaced by
	// the viewport's, so committed screenshots stay small.
	maxShotBytes = 400 << 10
)

// userSession opens a tab in a browser context of its own (its own cookie
// jar), as a second person at another machine would have, at the
// screenshot viewport.
func userSession(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	// The browser's own deadline started before the fixture was built;
	// each session gets its own.
	ctx, cancel := chromedp.NewContext(context.WithoutCancel(browser), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(walkWidth, walkHeight)); err != nil {
		t.Fatalf("open a browser session: %v", err)
	}
	return ctx
}

// walkShotDir is where the walk saves its screenshots: VIGIL_SCREENSHOTS
// when set (test-output/screenshots by convention, or docs/screenshots
// for the committed copies), a temporary directory otherwise, so that the
// saving code runs on every run and cannot rot unnoticed.
func walkShotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VIGIL_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		// go test runs in the package directory; a relative path means
		// the repository root, where the command was typed.
		dir = filepath.Join("..", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	return dir
}

// shots records which screenshots a walk saved, for the test to check.
type shots struct {
	dir   string
	saved map[string]int // file name -> bytes
}

func newShots(t *testing.T) *shots {
	return &shots{dir: walkShotDir(t), saved: map[string]int{}}
}

// take saves the page as name.png: the full page at the viewport's width,
// or only the viewport when the full page would be larger than
// maxShotBytes.
func (s *shots) take(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, target)
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		if len(png) > maxShotBytes {
			if png, err = chromedp.CaptureScreenshot()(ctx, target); err != nil {
				return fmt.Errorf("screenshot %s: %w", name, err)
			}
		}
		file := name + ".png"
		if err := os.WriteFile(filepath.Join(s.dir, file), png, 0o644); err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		s.saved[file] = len(png)
		return nil
	})
}

// actionControlsJS counts what lets a reader change something in the
// page's main part: forms that post, htmx posts, text areas, and submit
// buttons outside GET filter forms.
const actionControlsJS = `(() => {
  const m = document.querySelector("main");
  const posts = m.querySelectorAll('form[method="post" i], [hx-post], [hx-put], [hx-delete], [hx-patch], textarea').length;
  const buttons = [...m.querySelectorAll("button, input[type=submit]")].filter(b => !b.form || (b.form.method || "get").toLowerCase() !== "get").length;
  return posts + buttons;
})()`

// postStatus posts a form from inside the page with the page's session
// cookie, as a forged or scripted request would, and returns the status.
func postStatus(path, body string, status *int) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`fetch(%q, {method: "POST", redirect: "manual", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %s}).then(r => r.status)`, path, body)
	return into(status, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
}

// doSteps runs steps one by one, each within stepTimeout, so that a
// failure names the step and the page it was on rather than only the
// deadline.
func doSteps(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) error {
	for i, s := range steps {
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		err := chromedp.Do(sctx, s)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			return fmt.Errorf("step %d on %s: %w", i+1, loc, err)
		}
	}
	return nil
}

// stepTimeout bounds one step of the walk: a page load, a click and the
// wait for its answer. Generous, because a 2-core CI machine running the
// whole suite can be several times slower than a quiet one.
const stepTimeout = 45 * time.Second
