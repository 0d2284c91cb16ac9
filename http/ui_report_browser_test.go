package http

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReport opens the report from the reports page in a real
// browser: the sandbox policy lets its own style sheet and its inline SVG
// charts through, and the figures document is in the page.
func TestBrowserReport(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t)
	base := e.srv.URL
	var href, border, font string
	var charts, figures int
	err := chromedp.Do(ctx,
		signInActions(base, "auditor", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(base+"/ui/reports?period=2026"),
		chromedp.WaitVisible(chromedp.CSS("ul.links a")),
		screenshot(t, "20-reports"),
		into(&href, chromedp.Evaluate[string](`document.querySelector("ul.links a").href`)),
		chromedp.Click(chromedp.CSS("ul.links a")),
		chromedp.WaitVisible(chromedp.CSS("figure#chart-heatmap svg")),
		into(&charts, chromedp.Evaluate[int](`document.querySelectorAll("figure svg").length`)),
		into(&border, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("h2")).borderBottomStyle`)),
		into(&font, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`)),
		into(&figures, chromedp.Evaluate[int](`JSON.parse(document.getElementById("vigil-figures").textContent).figures.length`)),
		screenshot(t, "21-report"),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if href != base+"/ui/reports/2026/html?template=ungp" {
		t.Errorf("first link = %q", href)
	}
	if charts != 3 {
		t.Errorf("%d charts drawn, want 3", charts)
	}
	if border != "solid" || font == "" {
		t.Errorf("the report's style sheet did not apply: h2 border %q, font %q", border, font)
	}
	if figures < 40 {
		t.Errorf("the embedded figures document holds %d figures", figures)
	}
}
