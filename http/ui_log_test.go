package http

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

// TestUILogPage serves a real proof log beside the UI and checks the page
// shows its signed checkpoint: origin, size and the pending count.
func TestUILogPage(t *testing.T) {
	ctx := context.Background()
	skey, _, err := note.GenerateKey(rand.Reader, "vigil.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := tlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, err := tlog.Open(ctx, tlog.Config{Dir: dir, Signer: signer, CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.WithoutCancel(ctx)) })
	e := newUIEnv(t, Mount("/log/", tlog.Handler(dir)))
	c := e.client(t)
	e.signIn(t, c, "auditor", uiPassword)

	pending, err := e.store.PendingEvents(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	_, before, _ := e.get(t, c, "/ui/log")
	if !strings.Contains(before, fmt.Sprintf("<dd>%s</dd>", thousands(len(pending)))) {
		t.Fatalf("the log page does not count the %d pending events", len(pending))
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, err := tlog.NewRelay(e.store, l, tlog.RelayConfig{}).Flush(fctx)
	if err != nil || n == 0 {
		t.Fatalf("flush: %d, %v", n, err)
	}
	code, body, _ := e.get(t, c, "/ui/log")
	if code != 200 || !strings.Contains(body, "<code>vigil.test/log</code>") || !strings.Contains(body, "<dd>"+thousands(n)+"</dd>") {
		t.Fatalf("log page after %d entries: %d\n%s", n, code, body)
	}
}

// thousands writes n as the English UI does.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
