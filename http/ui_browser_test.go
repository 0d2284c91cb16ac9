package http

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vigil-hrdd/vigil"
)

// Browser tests drive Debian's Chromium through chromedp. Without it they
// skip loudly, unless VIGIL_REQUIRE_BROWSER=1 (set by .ci/run) makes a
// missing browser a failure: in CI a skipped browser run must not look
// like a passing one.

// chromiumPath is Debian's Chromium unless VIGIL_CHROMIUM names another.
func chromiumPath() string {
	if p := os.Getenv("VIGIL_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	chromiumPath := chromiumPath()
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("chromium not found at %s (apt-get install -y chromium): %v", chromiumPath, err)
		if os.Getenv("VIGIL_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIL_REQUIRE_BROWSER=1 but %s", msg)
		}
		fmt.Fprintln(os.Stderr, "SKIP LOUDLY: "+msg)
		t.Skip("SKIP LOUDLY: " + msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the CI machine runs tests as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first call starts the browser and must not carry a deadline,
	// which would stop the browser with it; later calls get one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// screenshotDir is where the main pages are saved as PNG for people to
// look at: VIGIL_UI_SCREENSHOTS, or vigil-ui-screenshots in the temp dir.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("VIGIL_UI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "vigil-ui-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		// The viewport capture shows what a laptop screen shows first; the
		// full-page one the rest.
		view, err := chromedp.CaptureScreenshot()(ctx, target)
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		full, err := chromedp.FullScreenshot(100)(ctx, target)
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		dir := screenshotDir(t)
		if err := os.WriteFile(filepath.Join(dir, name+"-full.png"), full, 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), view, 0o644)
	})
}

// into runs an action that returns a value and keeps the value, so that
// reading steps can sit in one sequence with the others.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		v, err := a(ctx, target)
		*dst = v
		return err
	})
}

func signInActions(base, user, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS("#user")),
		chromedp.SendKeys(chromedp.CSS("#user"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")),
	)
}

// fetchStatus posts a form from inside the page (as a forged or scripted
// request would) and returns the HTTP status.
func fetchStatus(path, body string, status *int) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`fetch(%q, {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %q}).then(r => r.status)`, path, body)
	return into(status, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
}

func TestBrowserWalkthrough(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t)
	base := e.srv.URL
	n, err := e.store.Count(context.Background(), vigil.KindParty)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1000 || n > 999999 {
		t.Fatalf("the fixture should hold between 1,000 and 999,999 parties, has %d", n)
	}
	frCount := fmt.Sprintf("%d\u202f%03d", n/1000, n%1000)
	enCount := fmt.Sprintf("%d,%03d", n/1000, n%1000)

	var title, heat, counts, lang, status, partyHeading, sentence, factsFR, srcDate string
	var nodes, textareas int
	var focusStroke string
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS("#user")),
		screenshot(t, "01-login"),
		signInActions(base, "analyst", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		into(&title, chromedp.Title()),
		into(&heat, chromedp.Text(chromedp.CSS("#heat-h"))),
		into(&counts, chromedp.Text(chromedp.CSS("ul.counts"))),
		screenshot(t, "02-dashboard"),
		chromedp.Click(chromedp.CSS(`section[aria-labelledby="top-h"] a.badge`)),
		chromedp.WaitVisible(chromedp.CSS("#flags-h")),
		screenshot(t, "02b-assessment"),
		chromedp.Click(chromedp.CSS(`#why-h ~ dl a`)),
		chromedp.WaitVisible(chromedp.CSS("#assessments")),
		screenshot(t, "02c-customer"),

		// Filter the parties with htmx and follow the result.
		chromedp.Navigate(base+"/ui/parties"),
		chromedp.WaitVisible(chromedp.CSS("#f-q")),
		chromedp.SendKeys(chromedp.CSS("#f-q"), "Coastal Signals"),
		chromedp.Click(chromedp.CSS("form.filters button")),
		chromedp.WaitVisible(chromedp.CSS(`#results a[href="/ui/parties/`+uiFixtureParty+`"]`)),
		into(&status, chromedp.Text(chromedp.CSS("#list-status"))),
		screenshot(t, "03-parties"),
		chromedp.Click(chromedp.CSS(`#results a[href="/ui/parties/`+uiFixtureParty+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("figure.graph svg")),
		into(&partyHeading, chromedp.Text(chromedp.CSS("h1"))),
		into(&sentence, chromedp.Text(chromedp.CSS(".status-sentence"))),
		into(&nodes, chromedp.Evaluate[int](`document.querySelectorAll("figure.graph svg a.node").length`)),
		into(&textareas, chromedp.Evaluate[int](`document.querySelectorAll("textarea[name=notes]").length`)),
		// The graph's boxes are links: keyboard-focusable, with a visible
		// focus ring (a thicker stroke), not only a colour change.
		into(&focusStroke, chromedp.Evaluate[string](`(() => { const a = document.querySelector("figure.graph a.node"); a.focus(); return document.activeElement === a ? getComputedStyle(a.querySelector("rect")).strokeWidth : "not focused"; })()`)),
		screenshot(t, "04-party"),

		// Switch to French: the choice sticks, numbers and dates follow.
		chromedp.Click(chromedp.CSS(`button[name="lang"][value="fr"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="fr"] figure.graph`)),
		into(&factsFR, chromedp.Text(chromedp.CSS("#facts"))),
		into(&srcDate, chromedp.Text(chromedp.CSS("#sources table"))),
		screenshot(t, "05-party-fr"),
		chromedp.Navigate(base+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		into(&lang, chromedp.Evaluate[string](`document.documentElement.lang`)),
		into(&counts, chromedp.Text(chromedp.CSS("ul.counts"))),
		screenshot(t, "06-dashboard-fr"),
		chromedp.Navigate(base+"/ui/log"),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
		screenshot(t, "07-log-fr"),
	)
	if err != nil {
		t.Fatalf("browser: %v\nserver log:\n%s", err, e.logs.String())
	}
	if !strings.Contains(title, "Dashboard") || heat == "" {
		t.Errorf("dashboard: title %q, heat map heading %q", title, heat)
	}
	if !strings.Contains(status, "1 record shown") {
		t.Errorf("the htmx swap announced %q, want 1 record shown", status)
	}
	if !strings.Contains(partyHeading, "Coastal Signals Unit 7") || !strings.Contains(sentence, "Coastal Signals Unit 7 is a security unit in NO-03") {
		t.Errorf("party page: heading %q, sentence %q", partyHeading, sentence)
	}
	if nodes != 3 || textareas != 1 {
		t.Errorf("graph nodes = %d (want 3: parent, the party, reseller), notes forms = %d (want 1)", nodes, textareas)
	}
	if focusStroke != "4px" {
		t.Errorf("a focused graph box has stroke %q, want 4px", focusStroke)
	}
	if lang != "fr" || !strings.Contains(counts, frCount) || strings.Contains(counts, enCount) {
		t.Errorf("French dashboard: lang %q, counts %q, want %q (%U)", lang, counts, frCount, []rune(frCount))
	}
	if !strings.Contains(srcDate, "1er décembre 2026") || !strings.Contains(factsFR, "unité de sécurité") {
		t.Errorf("French party page: sources %q, facts %q", srcDate, factsFR)
	}
}

func TestBrowserLockOut(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t, WithUILockout(3, time.Hour))
	base := e.srv.URL
	var msg, path string
	for i := 0; i < 3; i++ {
		if err := chromedp.Do(ctx, signInActions(base, "reviewer", fmt.Sprintf("not the password %d", i)),
			chromedp.WaitVisible(chromedp.CSS("#login-status p.error"))); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	err := chromedp.Do(ctx, signInActions(base, "reviewer", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("#login-status p.error")),
		into(&msg, chromedp.Text(chromedp.CSS("#login-status"))),
		into(&path, chromedp.Evaluate[string](`location.pathname`)),
		screenshot(t, "08-locked"),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if path != "/ui/login" || !strings.Contains(msg, "locked for 60 minutes") {
		t.Fatalf("after the lock-out the right password gave %s: %q", path, msg)
	}
}

func TestBrowserAuditorAndCSRF(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t)
	base := e.srv.URL
	notes := "/ui/parties/" + uiFixtureParty + "/notes"
	var forms, buttons int
	var withToken, withoutToken int
	var token string
	err := chromedp.Do(ctx,
		signInActions(base, "auditor", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(base+"/ui/parties/"+uiFixtureParty),
		chromedp.WaitVisible(chromedp.CSS("#facts")),
		into(&forms, chromedp.Evaluate[int](`document.querySelectorAll("form.notes-form, textarea").length`)),
		into(&buttons, chromedp.Evaluate[int](`[...document.querySelectorAll("main button")].length`)),
		into(&token, chromedp.Evaluate[string](`document.querySelector("input[name=csrf]").value`)),
		// A forged edit with the auditor's own valid token: the role
		// check refuses it.
		fetchStatus(notes, "notes=forged&csrf="+token, &withToken),
		screenshot(t, "09-party-auditor"),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if forms != 0 || buttons != 0 {
		t.Errorf("the auditor sees %d edit forms and %d buttons in the page", forms, buttons)
	}
	if withToken != 403 {
		t.Errorf("auditor's POST = %d, want 403", withToken)
	}
	// An analyst may edit, but not without the form's token.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/ui/parties/"+uiFixtureParty),
		chromedp.WaitVisible(chromedp.CSS("#facts")),
		into(&withoutToken, chromedp.Evaluate[int](`fetch("/ui/logout", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "csrf=" + document.querySelector("input[name=csrf]").value}).then(r => r.status)`, chromedp.EvalAwaitPromise)),
		signInActions(base, "analyst", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(base+"/ui/parties/"+uiFixtureParty),
		chromedp.WaitVisible(chromedp.CSS("textarea[name=notes]")),
		fetchStatus(notes, "notes=no+token", &withoutToken),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if withoutToken != 403 {
		t.Errorf("POST without a CSRF token = %d, want 403", withoutToken)
	}
	// The real form, submitted through htmx, saves and announces it.
	var announced string
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("textarea[name=notes]"), "Seen at the northern port."),
		chromedp.Click(chromedp.CSS("form.notes-form button")),
		chromedp.WaitVisible(chromedp.CSS("#notes-status p.ok")),
		into(&announced, chromedp.Text(chromedp.CSS("#notes-status"))),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	p, err := vigil.GetAs[*vigil.Party](context.Background(), e.store, vigil.KindParty, uiFixtureParty)
	if err != nil || p.Notes != "Seen at the northern port." || !strings.Contains(announced, "saved") {
		t.Fatalf("notes = %q (%v), announced %q", p.Notes, err, announced)
	}
}

func TestBrowserAdminUsers(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t)
	var rows int
	var navCurrent string
	err := chromedp.Do(ctx,
		signInActions(e.srv.URL, "admin", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/users"]`)),
		chromedp.WaitVisible(chromedp.CSS("#nu-id")),
		into(&rows, chromedp.Evaluate[int](`document.querySelectorAll("main tbody tr").length`)),
		into(&navCurrent, chromedp.Evaluate[string](`document.querySelector("nav a[aria-current=page]").textContent`)),
		screenshot(t, "10-users"),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if rows != len(vigil.Roles) || navCurrent != "Users" {
		t.Fatalf("users page: %d rows, current nav %q", rows, navCurrent)
	}
}

// contrastJS lists the text in the page whose contrast with its background
// is below WCAG 2.2 AA (4.5:1, or 3:1 for large text). It reads computed
// colours, walking up to the first opaque background; text over images
// or gradients is out of its reach, and Vigil has none.
const contrastJS = `(() => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map(Number); return {r:p[0], g:p[1], b:p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); }; return 0.2126*f(c.r) + 0.7152*f(c.g) + 0.0722*f(c.b); };
  const bgOf = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return {r:255, g:255, b:255, a:1}; };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const st = getComputedStyle(el);
    if (st.visibility === "hidden" || st.display === "none" || el.closest(".sr-only") || el.closest("svg")) continue;
    const fg = parse(st.color); if (!fg) continue;
    const l1 = lum(fg), l2 = lum(bgOf(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) bad.push(el.tagName + " '" + el.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
  }
  return bad.join("; ");
})()`

func TestBrowserContrast(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t)
	base := e.srv.URL
	if err := chromedp.Do(ctx, signInActions(base, "analyst", uiPassword), chromedp.WaitVisible(chromedp.CSS("ul.counts"))); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/ui/", "/ui/parties", "/ui/parties/" + uiFixtureParty, "/ui/sources", "/ui/log"} {
		var bad string
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main h1")),
			into(&bad, chromedp.Evaluate[string](contrastJS))); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if bad != "" {
			t.Errorf("%s: text below WCAG AA contrast: %s", path, bad)
		}
	}
	// The checker itself finds pale text.
	var bad string
	err := chromedp.Do(ctx, into(&bad, chromedp.Evaluate[string](`(() => { const p = document.createElement("p"); p.textContent = "pale words"; p.style.color = "#bbbbbb"; document.querySelector("main").append(p); return 1; })() && `+contrastJS)))
	if err != nil || !strings.Contains(bad, "pale words") {
		t.Fatalf("the contrast checker missed pale text: %q, %v", bad, err)
	}
}
