package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/vigil-hrdd/vigil"
)

// MaxReported caps how many bad lines one import reports: enough to fix a
// file in one go, not so many that the first ones scroll away.
const MaxReported = 20

// ImportError lists the bad lines of a file that was not imported.
type ImportError struct {
	File   string
	Errors []*LineError
	// More is true when the file had more bad lines than reported.
	More bool
}

func (e *ImportError) Error() string {
	s := fmt.Sprintf("%s: nothing imported: %d bad line(s)", e.File, len(e.Errors))
	if e.More {
		s = fmt.Sprintf("%s: nothing imported: more than %d bad lines, the first %d are", e.File, MaxReported, MaxReported)
	}
	for _, le := range e.Errors {
		s += "\n  " + le.Error()
	}
	return s
}

// Progress is told how many bytes of the file have been read, out of total,
// and what the import is doing ("checking" or "importing").
type Progress func(stage string, done, total int64)

// Options are the settings of one file import.
type Options struct {
	Kind     vigil.Kind
	Path     string
	Format   string // "" to tell by the file name
	Actor    string
	Progress Progress // may be nil
	// Open opens the file; nil means os.Open(Path). It is called twice, once
	// to check and once to import.
	Open func() (io.ReadCloser, error)
}

func (o Options) open() (io.ReadCloser, int64, error) {
	if o.Open != nil {
		rc, err := o.Open()
		return rc, -1, err
	}
	f, err := os.Open(o.Path)
	if err != nil {
		return nil, 0, err
	}
	return f, fileSize(f), nil
}

// ImportFile imports one file into the store, all or nothing. It first reads
// the whole file to check every line (so every bad line is reported at once,
// with its file, line and field), then reads it again into the store in one
// transaction. Records already stored unchanged are counted, not rewritten.
func ImportFile(ctx context.Context, store vigil.RecordStore, opt Options) (vigil.ImportSummary, error) {
	format, err := DetectFormat(opt.Path, opt.Format)
	if err != nil {
		return vigil.ImportSummary{}, err
	}
	name := filepath.Base(opt.Path)
	lines, digest, err := check(ctx, opt, format, name)
	if err != nil {
		return vigil.ImportSummary{}, err
	}
	f, total, err := opt.open()
	if err != nil {
		return vigil.ImportSummary{}, fmt.Errorf("import %s: %w", opt.Kind, err)
	}
	defer f.Close()
	h := sha256.New()
	counter := &countingReader{r: io.TeeReader(f, h), stage: "importing", total: total, progress: opt.Progress}
	dec, err := newDecoder(opt.Kind, format, name, counter)
	if err != nil {
		return vigil.ImportSummary{}, err
	}
	src := &source{dec: dec, digest: digest, hash: h, file: name}
	sum, err := store.Import(ctx, vigil.ImportRequest{Kind: opt.Kind, Source: src, Actor: opt.Actor, File: name, SHA256: digest})
	if err != nil {
		var ve *vigil.Error
		if errors.As(err, &ve) && ve.Row >= 0 && ve.Row < len(lines) {
			return sum, &ImportError{File: name, Errors: []*LineError{{File: name, Line: int(lines[ve.Row]), Field: ve.Field, Msg: ve.Message}}}
		}
		return sum, fmt.Errorf("import %s: %w", name, err)
	}
	return sum, nil
}

// check reads the whole file, validating every record, and returns the line
// of each record and the file's SHA-256.
func check(ctx context.Context, opt Options, format Format, name string) ([]int32, string, error) {
	f, total, err := opt.open()
	if err != nil {
		return nil, "", fmt.Errorf("import %s: %w", opt.Kind, err)
	}
	defer f.Close()
	h := sha256.New()
	counter := &countingReader{r: io.TeeReader(f, h), stage: "checking", total: total, progress: opt.Progress}
	dec, err := newDecoder(opt.Kind, format, name, counter)
	if err != nil {
		var le *LineError
		if errors.As(err, &le) {
			return nil, "", &ImportError{File: name, Errors: []*LineError{le}}
		}
		return nil, "", err
	}
	report := &ImportError{File: name}
	add := func(le *LineError) {
		if len(report.Errors) < MaxReported {
			report.Errors = append(report.Errors, le)
		} else {
			report.More = true
		}
	}
	var lines []int32
	firstLine := map[string]int32{}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, "", err
			}
		}
		rec, line, err := dec.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			add(le)
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if err := rec.Validate(); err != nil {
			var ve *vigil.Error
			if errors.As(err, &ve) {
				add(&LineError{File: name, Line: line, Field: ve.Field, Msg: ve.Message})
				continue
			}
			return nil, "", err
		}
		if prev, dup := firstLine[rec.RecordID()]; dup {
			add(&LineError{File: name, Line: line, Field: "id", Msg: fmt.Sprintf("id %q appears again (first on line %d)", rec.RecordID(), prev)})
			continue
		}
		firstLine[rec.RecordID()] = int32(line)
		lines = append(lines, int32(line))
	}
	if len(report.Errors) > 0 {
		return nil, "", report
	}
	return lines, hex.EncodeToString(h.Sum(nil)), nil
}

// source feeds the store from the second read of the file. It fails at the
// end if the file changed since it was checked, which rolls the import back.
type source struct {
	dec    decoder
	digest string
	hash   hash.Hash
	file   string
}

func (s *source) Next() (vigil.Record, error) {
	rec, _, err := s.dec.next()
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(s.hash.Sum(nil)); got != s.digest {
			return nil, fmt.Errorf("%s changed while it was being imported; nothing imported, run the import again", s.file)
		}
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("%s changed while it was being imported: %w", s.file, err)
	}
	return rec, nil
}

type countingReader struct {
	r        io.Reader
	n, total int64
	stage    string
	progress Progress
	reported int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && (c.n-c.reported >= 1<<20 || err != nil) {
		c.reported = c.n
		c.progress(c.stage, c.n, c.total)
	}
	return n, err
}

func fileSize(f *os.File) int64 {
	if st, err := f.Stat(); err == nil {
		return st.Size()
	}
	return -1
}
