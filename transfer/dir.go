package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigil-hrdd/vigil"
)

// ImportDir imports every <kind>.csv or <kind>.jsonl file found in dir, in
// dependency order (services and contexts first, sources last), each file
// all or nothing. It stops at the first file that fails. progress, when not
// nil, is told which file is being read.
func ImportDir(ctx context.Context, store vigil.RecordStore, dir, actor string, progress func(file string) Progress) ([]vigil.ImportSummary, error) {
	var out []vigil.ImportSummary
	found := false
	for _, kind := range vigil.Kinds {
		for _, ext := range []string{".csv", ".jsonl"} {
			path := filepath.Join(dir, string(kind)+ext)
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				continue
			}
			found = true
			opt := Options{Kind: kind, Path: path, Actor: actor}
			if progress != nil {
				opt.Progress = progress(filepath.Base(path))
			}
			sum, err := ImportFile(ctx, store, opt)
			if err != nil {
				return out, err
			}
			out = append(out, sum)
		}
	}
	if !found {
		return nil, vigil.Errorf(vigil.EINVALID, "%s holds no portfolio file (want files named like parties.csv or links.jsonl)", dir)
	}
	return out, nil
}

// ExportDir writes every kind to dir as <kind>.<format>, in a form
// ImportDir reads back.
func ExportDir(ctx context.Context, store vigil.RecordStore, dir string, format Format) (map[vigil.Kind]int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	counts := map[vigil.Kind]int64{}
	for _, kind := range vigil.Kinds {
		path := filepath.Join(dir, string(kind)+"."+string(format))
		f, err := os.Create(path)
		if err != nil {
			return counts, err
		}
		n, err := Export(ctx, store, kind, format, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return counts, fmt.Errorf("%s: %w", path, err)
		}
		counts[kind] = n
	}
	return counts, nil
}
