package tlog

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/vigil-hrdd/vigil"
)

// LeafVersion is the version tag every Vigil leaf carries, so that a future
// encoding can coexist with this one in the same log.
const LeafVersion = 1

// Leaf is what the log holds for one event. It is deliberately small and
// free of content: the commitment hides the event behind a random salt, and
// only the type and time are public.
type Leaf struct {
	Version    int    `json:"v"`
	Commitment string `json:"commitment"` // hex SHA-256, see vigil.Event.ComputeCommitment
	Type       string `json:"type"`
	Time       string `json:"time"` // RFC 3339, UTC
}

// LeafOf returns the leaf for an event from its stored commitment.
func LeafOf(ev *vigil.Event) Leaf {
	return Leaf{
		Version:    LeafVersion,
		Commitment: hex.EncodeToString(ev.Commitment),
		Type:       ev.Type,
		Time:       ev.Time.UTC().Format(time.RFC3339Nano),
	}
}

// Marshal returns the leaf's canonical encoding: compact JSON with the fields
// in a fixed order, no HTML escaping. JSON, rather than a binary format,
// lets an auditor read entries with any tlog client and jq. It is written
// by hand because Verify parses and re-encodes every entry of the log.
func (l Leaf) Marshal() []byte {
	b := make([]byte, 0, 48+len(l.Commitment)+len(l.Type)+len(l.Time))
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(l.Version), 10)
	b = append(b, `,"commitment":`...)
	b = appendJSONString(b, l.Commitment)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, l.Type)
	b = append(b, `,"time":`...)
	b = appendJSONString(b, l.Time)
	return append(b, '}')
}

// appendJSONString appends s as encoding/json (without HTML escaping) would.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// ParseLeaf decodes a log entry and insists that it is in canonical form, so
// that two different byte strings can never stand for the same leaf.
func ParseLeaf(data []byte) (Leaf, error) {
	var l Leaf
	if err := json.Unmarshal(data, &l); err != nil {
		return Leaf{}, fmt.Errorf("parse leaf: %w", err)
	}
	if l.Version != LeafVersion {
		return Leaf{}, fmt.Errorf("parse leaf: unknown version %d", l.Version)
	}
	if c, err := hex.DecodeString(l.Commitment); err != nil || len(c) != 32 {
		return Leaf{}, fmt.Errorf("parse leaf: commitment %q is not 32 hex bytes", l.Commitment)
	}
	if _, err := time.Parse(time.RFC3339Nano, l.Time); err != nil {
		return Leaf{}, fmt.Errorf("parse leaf: time: %w", err)
	}
	// Re-encoding catches unknown fields, other field orders, spacing and
	// escaping variants.
	if !bytes.Equal(l.Marshal(), data) {
		return Leaf{}, fmt.Errorf("parse leaf: not in canonical form")
	}
	return l, nil
}

// LeafHash is the RFC 6962 leaf hash of an encoded leaf, the value the tree
// commits to.
func LeafHash(data []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(data) }
