package tlog

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Handler serves the log in dir read-only, as C2SP tlog-tiles clients expect
// it: /log/checkpoint, /log/tile/<L>/<N>[.p/<W>] and
// /log/tile/entries/<N>[.p/<W>]. Mount it at "/log/"; requests without that
// prefix are served from the log root too. Nothing else in dir, notably the
// dot-directories with tessera's and the relay's state, is reachable.
func Handler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(r.URL.Path, "/log")
		p = strings.TrimPrefix(path.Clean("/"+p), "/")
		if !publicPath(p) {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("X-Content-Type-Options", "nosniff")
		switch {
		case p == "checkpoint":
			// The checkpoint changes with every publication.
			h.Set("Content-Type", "text/plain; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
		case strings.Contains(p, ".p/"):
			// A partial tile is superseded once its tile fills up, but its
			// content for this width never changes.
			h.Set("Content-Type", "application/octet-stream")
			h.Set("Cache-Control", "public, max-age=60")
		default:
			// Full tiles and bundles are immutable by construction.
			h.Set("Content-Type", "application/octet-stream")
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		http.ServeContent(w, r, "", st.ModTime(), f)
	})
}

// publicPath admits exactly the checkpoint and tile paths.
func publicPath(p string) bool {
	if p == "checkpoint" {
		return true
	}
	if !strings.HasPrefix(p, "tile/") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") && seg != ".p" {
			return false
		}
	}
	return true
}
