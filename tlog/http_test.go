package tlog_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil/tlog"
)

func TestHandlerServesOnlyTheLog(t *testing.T) {
	dir := t.TempDir()
	for p, body := range map[string]string{
		"checkpoint":             "cp\n",
		"tile/0/000":             "tile",
		"tile/entries/000.p/3":   "bundle",
		".state/treeState":       "secret-ish",
		".vigil/relay-watermark": "7",
		"log-key.age":            "sealed",
	} {
		path := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte(body), 0o644)
	}
	srv := httptest.NewServer(tlog.Handler(dir))
	defer srv.Close()
	for p, want := range map[string]int{
		"/log/checkpoint":               200,
		"/log/tile/0/000":               200,
		"/log/tile/entries/000.p/3":     200,
		"/log/.state/treeState":         404,
		"/log/tile/../.state/treeState": 404,
		"/log/.vigil/relay-watermark":   404,
		"/log/log-key.age":              404,
		"/log/tile/0":                   404,
		"/log/tile/9/000":               404,
	} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", p, resp.StatusCode, want)
		}
	}
	resp, err := http.Post(srv.URL+"/log/checkpoint", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d", resp.StatusCode)
	}
}
