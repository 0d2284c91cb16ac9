package transfer

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/vigil-hrdd/vigil"
)

// Export writes every record of a kind, in id order, in a form ImportFile
// reads back unchanged. It returns how many records it wrote.
func Export(ctx context.Context, store vigil.RecordStore, kind vigil.Kind, format Format, w io.Writer) (int64, error) {
	if _, err := vigil.NewRecord(kind); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var write func(vigil.Record) error
	var cw *csv.Writer
	switch format {
	case CSV:
		cw = csv.NewWriter(bw)
		if err := cw.Write(Columns(kind)); err != nil {
			return 0, err
		}
		write = func(r vigil.Record) error { return cw.Write(Row(kind, r)) }
	case JSONL:
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		write = func(r vigil.Record) error { return enc.Encode(r) }
	default:
		return 0, vigil.Errorf(vigil.EINVALID, "unknown format %q (want csv or jsonl)", format)
	}
	var n int64
	after := ""
	for {
		page, err := store.List(ctx, kind, vigil.ListOptions{After: after, Limit: 1000})
		if err != nil {
			return n, fmt.Errorf("export %s: %w", kind, err)
		}
		for _, r := range page.Items {
			if err := write(r); err != nil {
				return n, fmt.Errorf("export %s: %w", kind, err)
			}
			n++
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, fmt.Errorf("export %s: %w", kind, err)
		}
	}
	return n, bw.Flush()
}
