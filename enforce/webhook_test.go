package enforce_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/enforce/controlplane"
)

var secret = []byte("shared-secret-of-the-test")

func action(sub string, op enforce.Operation, caps ...string) enforce.Action {
	key := enforce.KeyOf("DEC1", sub, op)
	return enforce.Action{ID: enforce.ActionIDOf(key), Key: key, DecisionID: "DEC1", CaseID: "CASE1", SubscriptionID: sub,
		AccountID: "A1", Operation: op, Capabilities: caps, Attempts: 1}
}

func TestWebhookAgainstTheReferenceControlPlane(t *testing.T) {
	cp := controlplane.New(secret)
	cp.Register("S1", "active")
	cp.Register("S2", "active")
	srv := httptest.NewServer(cp)
	defer srv.Close()
	wh := &enforce.Webhook{URL: srv.URL, Secret: secret}
	ctx := context.Background()

	// An overloaded control plane: the first two calls fail and change
	// nothing; the third applies the suspension.
	cp.FailNext(2)
	a := action("S1", enforce.OpSuspend)
	for i := 1; i <= 2; i++ {
		a.Attempts = i
		if _, err := wh.Apply(ctx, a); err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("attempt %d: err = %v, want a retryable 503", i, err)
		}
		if sub, _ := cp.Subscription("S1"); sub.Status != "active" {
			t.Fatalf("a failed call changed the subscription: %+v", sub)
		}
	}
	a.Attempts = 3
	res, err := wh.Apply(ctx, a)
	if err != nil || res.Outcome != enforce.OutcomeConfirmed || res.Reference == "" {
		t.Fatalf("third attempt: %+v, %v", res, err)
	}
	// A retry of the same key (Vigil crashed before storing the answer)
	// answers the same and changes nothing twice.
	a.Attempts = 4
	again, err := wh.Apply(ctx, a)
	if err != nil || again.Reference != res.Reference || again.Outcome != enforce.OutcomeConfirmed {
		t.Fatalf("retry: %+v, %v; first %+v", again, err, res)
	}
	if sub, _ := cp.Subscription("S1"); sub.Status != "suspended" || sub.Changes != 1 {
		t.Fatalf("after a retried call: %+v, want suspended with one change", sub)
	}

	// Restrict withdraws capabilities only.
	r := action("S2", enforce.OpRestrict, "ai.speech_to_text")
	if res, err := wh.Apply(ctx, r); err != nil || res.Outcome != enforce.OutcomeConfirmed {
		t.Fatalf("restrict: %+v, %v", res, err)
	}
	if cp.Serves("S2", "ai.speech_to_text") || !cp.Serves("S2", "ai.translation") {
		t.Fatal("restrict should withdraw ai.speech_to_text and keep ai.translation")
	}

	// An unknown subscription is a refusal, not a retry.
	res, err = wh.Apply(ctx, action("S9", enforce.OpSuspend))
	if err != nil || res.Outcome != enforce.OutcomeRefused || !strings.Contains(res.Message, "unknown subscription") {
		t.Fatalf("unknown subscription: %+v, %v", res, err)
	}

	// A wrong secret is refused.
	bad := &enforce.Webhook{URL: srv.URL, Secret: []byte("not the secret")}
	res, err = bad.Apply(ctx, action("S2", enforce.OpSuspend))
	if err != nil || res.Outcome != enforce.OutcomeRefused || !strings.Contains(res.Message, "bad signature") {
		t.Fatalf("wrong secret: %+v, %v", res, err)
	}
	if sub, _ := cp.Subscription("S2"); sub.Status != "restricted" {
		t.Fatalf("a call with a wrong secret changed the subscription: %+v", sub)
	}
}

func TestControlPlaneRefusesReplaysAndStaleTimestamps(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	cp := controlplane.New(secret, controlplane.WithClock(func() time.Time { return now }))
	cp.Register("S1", "active")
	srv := httptest.NewServer(cp)
	defer srv.Close()
	body := []byte(`{"idempotency_key":"k1","action_id":"ACT-1","operation":"suspend","subscription_id":"S1","capabilities":[]}`)
	send := func(stamp time.Time) int {
		st := strconv.FormatInt(stamp.Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set("Vigil-Timestamp", st)
		req.Header.Set("Vigil-Signature", enforce.Sign(secret, st, body))
		req.Header.Set("Idempotency-Key", "k1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send(now.Add(-10 * time.Minute)); got != http.StatusUnauthorized {
		t.Fatalf("stale timestamp: HTTP %d, want 401", got)
	}
	if got := send(now.Add(10 * time.Minute)); got != http.StatusUnauthorized {
		t.Fatalf("future timestamp: HTTP %d, want 401", got)
	}
	if sub, _ := cp.Subscription("S1"); sub.Status != "active" {
		t.Fatalf("a refused call changed the subscription: %+v", sub)
	}
	if got := send(now); got != http.StatusOK {
		t.Fatalf("fresh call: HTTP %d, want 200", got)
	}
	if got := send(now); got != http.StatusUnauthorized {
		t.Fatalf("the same signed request again: HTTP %d, want 401 (replay)", got)
	}
}

func TestVerifySignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"idempotency_key":"k"}`)
	st := strconv.FormatInt(now.Unix(), 10)
	sig := enforce.Sign(secret, st, body)
	if err := enforce.VerifySignature(secret, st, sig, body, now, time.Minute); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	for _, tc := range []struct {
		name          string
		stamp, sig    string
		body          []byte
		secret        []byte
		now           time.Time
		wantInMessage string
	}{
		{"tampered body", st, sig, []byte(`{"idempotency_key":"x"}`), secret, now, "does not match"},
		{"other secret", st, sig, body, []byte("other"), now, "does not match"},
		{"stale", st, sig, body, secret, now.Add(2 * time.Minute), "away from"},
		{"not a number", "yesterday", sig, body, secret, now, "Unix seconds"},
		{"no version", st, strings.TrimPrefix(sig, "v1="), body, secret, now, "v1="},
		{"no secret configured", st, sig, body, nil, now, "no control-plane secret"},
	} {
		err := enforce.VerifySignature(tc.secret, tc.stamp, tc.sig, tc.body, tc.now, time.Minute)
		if vigil.ErrorCode(err) != vigil.EUNAUTHORIZED || !strings.Contains(err.Error(), tc.wantInMessage) {
			t.Errorf("%s: %v, want unauthorized mentioning %q", tc.name, err, tc.wantInMessage)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	lo := &enforce.Dispatcher{BaseBackoff: time.Second, MaxBackoff: 10 * time.Second, Jitter: func() float64 { return 0 }}
	hi := &enforce.Dispatcher{BaseBackoff: time.Second, MaxBackoff: 10 * time.Second, Jitter: func() float64 { return 0.999999 }}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 30: 10 * time.Second} {
		if got := lo.Backoff(attempt); got != want/2 {
			t.Errorf("attempt %d, least jitter: %v, want %v", attempt, got, want/2)
		}
		if got := hi.Backoff(attempt); got <= want*9/10 || got > want {
			t.Errorf("attempt %d, most jitter: %v, want just under %v", attempt, got, want)
		}
	}
}
