package enforce

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Outcome is what the control plane answered.
type Outcome string

const (
	OutcomeConfirmed Outcome = "confirmed" // applied; the subscription's status may change
	OutcomeRefused   Outcome = "refused"   // will not be applied; retrying will not help
	OutcomePending   Outcome = "pending"   // accepted; a callback will confirm or refuse it
)

// Result is the control plane's answer to one call.
type Result struct {
	Outcome   Outcome `json:"status"`
	Reference string  `json:"reference,omitempty"`
	Message   string  `json:"message,omitempty"`
	// AppliedAt is when the change took effect, when the control plane
	// says; the caller's clock otherwise.
	AppliedAt time.Time `json:"applied_at,omitzero"`
}

// Adapter carries actions to one control plane. Apply returns an error
// for a failure worth retrying (network, timeout, the control plane
// unavailable) and a Result for an answer. It must be safe to call again
// with the same action: the action's Key is the idempotency key.
type Adapter interface {
	Apply(ctx context.Context, a Action) (Result, error)
}

// Signature headers of the webhook and of its callback. The signature is
// "v1=" followed by the hex HMAC-SHA256, keyed by the shared secret, of
// the timestamp header's value, a full stop, and the exact body bytes.
const (
	HeaderTimestamp   = "Vigil-Timestamp"
	HeaderSignature   = "Vigil-Signature"
	HeaderIdempotency = "Idempotency-Key"
	signatureVersion  = "v1="
	// DefaultMaxSkew is how far a signed timestamp may be from the
	// receiver's clock.
	DefaultMaxSkew = 5 * time.Minute
)

// Sign returns the signature header value of body sent at the timestamp.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return signatureVersion + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a signed request: the timestamp within maxSkew of
// now, and the signature over it and the body. Errors are EUNAUTHORIZED
// and say which check failed, never the expected value.
func VerifySignature(secret []byte, timestamp, signature string, body []byte, now time.Time, maxSkew time.Duration) error {
	if len(secret) == 0 {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "no control-plane secret is configured")
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "header %s: want Unix seconds", HeaderTimestamp)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > maxSkew || skew < -maxSkew {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "header %s is %s away from this server's clock (at most %s)", HeaderTimestamp, skew.Round(time.Second), maxSkew)
	}
	if !strings.HasPrefix(signature, signatureVersion) {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "header %s: want v1=<hex HMAC-SHA256>", HeaderSignature)
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "header %s does not match the body", HeaderSignature)
	}
	return nil
}

// Request is the JSON body the webhook posts.
type Request struct {
	IdempotencyKey string    `json:"idempotency_key"`
	ActionID       string    `json:"action_id"`
	Operation      Operation `json:"operation"`
	SubscriptionID string    `json:"subscription_id"`
	AccountID      string    `json:"account_id"`
	Capabilities   []string  `json:"capabilities"`
	DecisionID     string    `json:"decision_id"`
	CaseID         string    `json:"case_id"`
	Attempt        int       `json:"attempt"`
	// CallbackURL is where to confirm a pending action, if set.
	CallbackURL string `json:"callback_url,omitempty"`
}

// Callback is the JSON body a control plane posts to Vigil's callback
// endpoint to settle a pending action, signed like the webhook.
type Callback struct {
	IdempotencyKey string    `json:"idempotency_key"`
	Status         Outcome   `json:"status"` // confirmed or refused
	Reference      string    `json:"reference,omitempty"`
	Message        string    `json:"message,omitempty"`
	AppliedAt      time.Time `json:"applied_at,omitzero"`
}

// Webhook is the Adapter of a control plane reached by signed HTTP POSTs
// (docs/enforcement.md has the provider's side).
type Webhook struct {
	URL    string
	Secret []byte
	// CallbackURL is sent with each action for asynchronous confirmation.
	CallbackURL string
	// Client defaults to one with a 30-second timeout.
	Client *http.Client
	Now    func() time.Time
}

// RetryableError is a failure worth another attempt.
type RetryableError struct{ Err error }

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// Apply posts the action. A 2xx answer carries a Result; 4xx other than
// 408, 425 and 429 is a refusal; anything else (5xx, timeouts, a refused
// connection) is an error to retry.
func (w *Webhook) Apply(ctx context.Context, a Action) (Result, error) {
	body, err := json.Marshal(Request{
		IdempotencyKey: a.Key, ActionID: a.ID, Operation: a.Operation, SubscriptionID: a.SubscriptionID,
		AccountID: a.AccountID, Capabilities: a.Capabilities, DecisionID: a.DecisionID, CaseID: a.CaseID,
		Attempt: a.Attempts, CallbackURL: w.CallbackURL,
	})
	if err != nil {
		return Result{}, fmt.Errorf("encode action %s: %w", a.ID, err)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	stamp := strconv.FormatInt(now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("control plane URL %q: %w", w.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, stamp)
	req.Header.Set(HeaderSignature, Sign(w.Secret, stamp, body))
	req.Header.Set(HeaderIdempotency, a.Key)
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, &RetryableError{fmt.Errorf("post action %s: %w", a.ID, err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Result{}, &RetryableError{fmt.Errorf("read the answer to action %s: %w", a.ID, err)}
	}
	var res Result
	decodeErr := json.Unmarshal(raw, &res)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if decodeErr != nil {
			return Result{}, &RetryableError{fmt.Errorf("action %s: the control plane answered %d with no readable result: %v", a.ID, resp.StatusCode, decodeErr)}
		}
		switch res.Outcome {
		case OutcomeConfirmed, OutcomePending, OutcomeRefused:
			return res, nil
		}
		return Result{}, &RetryableError{fmt.Errorf("action %s: the control plane answered status %q (want confirmed, pending or refused)", a.ID, res.Outcome)}
	case resp.StatusCode >= 400 && resp.StatusCode < 500 &&
		resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooEarly && resp.StatusCode != http.StatusTooManyRequests:
		msg := res.Message
		if decodeErr != nil || msg == "" {
			msg = strings.TrimSpace(string(raw))
		}
		if len(msg) > 500 {
			msg = msg[:500]
		}
		return Result{Outcome: OutcomeRefused, Reference: res.Reference, Message: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, msg)}, nil
	}
	return Result{}, &RetryableError{fmt.Errorf("action %s: the control plane answered HTTP %d", a.ID, resp.StatusCode)}
}
