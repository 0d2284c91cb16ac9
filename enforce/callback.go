package enforce

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Settle applies a control plane's callback (already authenticated) to
// the action with its idempotency key: a confirmation confirms it, a
// refusal fails it. Settling a confirmed action again changes nothing.
func Settle(ctx context.Context, st Store, cb Callback, now time.Time, actor string) (*Action, error) {
	if cb.IdempotencyKey == "" {
		return nil, vigil.FieldError("idempotency_key", "required")
	}
	acts, err := st.ListActions(ctx, ActionQuery{Key: cb.IdempotencyKey, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(acts) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no enforcement action with idempotency key %q", cb.IdempotencyKey)
	}
	a := acts[0]
	switch cb.Status {
	case OutcomeConfirmed:
		at := cb.AppliedAt
		if at.IsZero() {
			at = now
		}
		return st.ConfirmAction(ctx, a.ID, Confirmation{Reference: cb.Reference, At: at}, actor)
	case OutcomeRefused:
		if a.Status == StatusConfirmed || a.Status == StatusFailed {
			return a, nil
		}
		return st.FailAction(ctx, a.ID, "", "refused by the control plane: "+cb.Message, actor)
	}
	return nil, vigil.FieldError("status", "unknown status %q (want confirmed or refused)", cb.Status)
}

// HandleCallback authenticates a control plane's callback (the webhook's
// signature scheme, same secret) and settles it. It is the whole of the
// callback endpoint but for HTTP; its errors are vigil errors
// (EUNAUTHORIZED for a bad signature or timestamp).
func HandleCallback(ctx context.Context, st Store, secret []byte, timestamp, signature string, body []byte, now time.Time, actor string) (*Action, error) {
	if err := VerifySignature(secret, timestamp, signature, body, now, DefaultMaxSkew); err != nil {
		return nil, err
	}
	var cb Callback
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cb); err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "callback body: %v", err)
	}
	return Settle(ctx, st, cb, now, actor)
}
