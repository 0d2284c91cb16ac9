package report

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

// ReadCheckpoint reads a log's latest checkpoint and checks its signature:
// the point a report is computed at.
func ReadCheckpoint(ctx context.Context, f tlog.Fetcher, v note.Verifier) (*Checkpoint, error) {
	raw, err := f.ReadCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: read the log's checkpoint: %w", err)
	}
	cp, err := tlog.ParseCheckpoint(raw, v)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return &Checkpoint{Origin: cp.Origin, Size: cp.Size, RootHash: hex.EncodeToString(cp.Hash), Text: string(raw)}, nil
}

// PublishedPayload is the payload of a report.published event.
type PublishedPayload struct {
	Period     Period   `json:"period"`
	Templates  []string `json:"templates"`
	Languages  []string `json:"languages"`
	Formats    []string `json:"formats"`
	TreeSize   uint64   `json:"tree_size,omitempty"`
	RootHash   string   `json:"root_hash,omitempty"`
	FiguresSHA string   `json:"figures_sha256"`
}

// Published records that a report was generated into a directory, with
// the digest of its figures, so the log dates each publication.
func Published(ctx context.Context, es vigil.EventStore, doc *Document, p PublishedPayload, actor string, now time.Time) (*vigil.Event, error) {
	p.Period = doc.Period
	if doc.Checkpoint != nil {
		p.TreeSize, p.RootHash = doc.Checkpoint.Size, doc.Checkpoint.RootHash
	}
	ev, err := vigil.NewEvent(vigil.EventReportPublished, "reports/"+doc.Period.Label, actor, now, p)
	if err != nil {
		return nil, err
	}
	if err := es.RecordEvent(ctx, ev); err != nil {
		return nil, fmt.Errorf("report: record publication: %w", err)
	}
	return ev, nil
}
