package http

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestDemoShots(t *testing.T) {
	base := os.Getenv("VIGIL_UI_DEMO_URL")
	if base == "" {
		t.Skip("no demo")
	}
	ctx := newBrowser(t)
	err := chromedp.Do(ctx,
		signInActions(base, "admin", os.Getenv("VIGIL_UI_DEMO_PW")),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		screenshot(t, "d1-dashboard"),
		chromedp.Navigate(base+"/ui/parties/P0000001"),
		chromedp.WaitVisible(chromedp.CSS("#facts")),
		screenshot(t, "d2-reseller"),
		chromedp.Navigate(base+"/ui/parties/P0000122"),
		chromedp.WaitVisible(chromedp.CSS("#facts")),
		screenshot(t, "d3-ministry"),
		chromedp.Navigate(base+"/ui/subscriptions?status=suspended"),
		chromedp.WaitVisible(chromedp.CSS("#results")),
		screenshot(t, "d4-subs"),
		chromedp.Navigate(base+"/ui/log"),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
		screenshot(t, "d5-log"),
		chromedp.Navigate(base+"/ui/accounts"),
		chromedp.WaitVisible(chromedp.CSS("#results")),
		screenshot(t, "d6-accounts"),
	)
	if err != nil {
		t.Fatal(err)
	}
}
