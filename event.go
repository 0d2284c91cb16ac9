package vigil

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Event is one due-diligence event: a record created or changed, an import,
// later an assessment, a decision, a grievance step. The proof log holds only
// its Commitment, type and time; the event and its salt stay in the database,
// and revealing both to an auditor proves the log entry.
type Event struct {
	// Seq is the outbox order, set by the store.
	Seq     int64     `json:"seq"`
	ID      string    `json:"id"`
	Type    string    `json:"type"`    // e.g. "party.created", "import.completed"
	Subject string    `json:"subject"` // what changed, e.g. "parties/P0000001"
	Actor   string    `json:"actor"`
	Time    time.Time `json:"time"`
	// Payload is the event's detail as compact JSON.
	Payload json.RawMessage `json:"payload"`
	Salt    []byte          `json:"salt"`
	// Commitment is SHA-256 over the canonical encoding and the salt.
	Commitment []byte `json:"commitment"`
	// LeafIndex is the event's index in the proof log, -1 until logged.
	LeafIndex int64 `json:"leaf_index"`
}

// NewEvent builds an event with a fresh id, salt and commitment.
func NewEvent(typ, subject, actor string, now time.Time, payload any) (*Event, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("event %s: encode payload: %w", typ, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, fmt.Errorf("event %s: compact payload: %w", typ, err)
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("event %s: salt: %w", typ, err)
	}
	ev := &Event{
		ID:        NewID(now),
		Type:      typ,
		Subject:   subject,
		Actor:     actor,
		Time:      now.UTC().Truncate(time.Microsecond),
		Payload:   compact.Bytes(),
		Salt:      salt,
		LeafIndex: -1,
	}
	ev.Commitment = ev.ComputeCommitment()
	return ev, nil
}

// canonicalEvent fixes the field order of the encoding that is committed to;
// changing it would break every existing proof.
type canonicalEvent struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Subject string          `json:"subject"`
	Actor   string          `json:"actor"`
	Time    string          `json:"time"`
	Payload json.RawMessage `json:"payload"`
}

// CanonicalBytes is the exact encoding the commitment covers.
func (e *Event) CanonicalBytes() []byte {
	b, err := json.Marshal(canonicalEvent{
		ID: e.ID, Type: e.Type, Subject: e.Subject, Actor: e.Actor,
		Time:    e.Time.UTC().Format(time.RFC3339Nano),
		Payload: e.Payload,
	})
	if err != nil {
		// Only an invalid stored payload can fail here; commit to it as is.
		return append([]byte(e.ID+"\x00"), e.Payload...)
	}
	return b
}

// ComputeCommitment recomputes the commitment from the event and its salt.
func (e *Event) ComputeCommitment() []byte {
	h := sha256.New()
	h.Write([]byte("vigil-event-v1\n"))
	h.Write(e.CanonicalBytes())
	h.Write([]byte("\n"))
	h.Write(e.Salt)
	return h.Sum(nil)
}

// CommitmentHex is the commitment in hex.
func (e *Event) CommitmentHex() string { return hex.EncodeToString(e.Commitment) }

// RecordEventPayload is the payload of record created and updated events: the
// kind and id, and the record's full content as stored.
type RecordEventPayload struct {
	Kind   Kind   `json:"kind"`
	ID     string `json:"id"`
	Record Record `json:"record"`
}

// RecordEventType returns "party.created", "link.updated" and so on.
func RecordEventType(kind Kind, verb string) string { return kind.Singular() + "." + verb }
