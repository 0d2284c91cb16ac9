package http

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestUIReports opens the reports page and the report in every format
// with a session, as an auditor (who may read everything).
func TestUIReports(t *testing.T) {
	e := newUIEnv(t)
	c := e.client(t)
	e.signIn(t, c, "auditor", uiPassword)
	code, body, _ := e.get(t, c, "/ui/reports?period=2026-Q3&template=csddd")
	if code != http.StatusOK || !strings.Contains(body, `href="/ui/reports/2026-Q3/pdf?template=csddd"`) || !strings.Contains(body, `aria-current="page">Reports`) {
		t.Fatalf("GET /ui/reports = %d: %s", code, body)
	}
	for _, c2 := range []struct{ path, ctype, want string }{
		{"/ui/reports/2026/html", "text/html", "Human-rights due-diligence report 2026"},
		{"/ui/reports/2026-Q3/html?template=csddd", "text/html", "Annual due-diligence statement 2026-Q3"},
		{"/ui/reports/2026/pdf", "application/pdf", "%PDF-"},
		{"/ui/reports/2026/md", "text/markdown", "# Human-rights"},
		{"/ui/reports/2026/json", "application/json", `"format": "vigil-report-figures/v1"`},
	} {
		resp, err := c.Get(e.srv.URL + c2.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), c2.ctype) || !strings.Contains(string(b), c2.want) {
			t.Errorf("GET %s = %d %s: %.300s", c2.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		if c2.ctype == "text/html" && !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox;") {
			t.Errorf("GET %s: CSP %q, want the report sandboxed", c2.path, resp.Header.Get("Content-Security-Policy"))
		}
	}
	for path, want := range map[string]int{"/ui/reports?period=soon": 400, "/ui/reports/2026-Q9/html": 400, "/ui/reports/2026/docx": 404, "/ui/reports/2026/html?template=memo": 400} {
		if code, body, _ := e.get(t, c, path); code != want {
			t.Errorf("GET %s = %d, want %d: %.300s", path, code, want, body)
		}
	}
}
