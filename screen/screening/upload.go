package screening

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// MaxUploadBytes bounds the files of one upload once decompressed: ten
// times the largest official list (the EU's full XML, about 25 MB).
const MaxUploadBytes = 256 << 20

// Upload is one file of a list sent over the network.
type Upload struct {
	// Name is the file's name as sent; only its base name is used, and
	// formats that read several files (ofac: sdn.csv, alt.csv, add.csv,
	// sdn_comments.csv) find them by it.
	Name string
	Body io.Reader
}

// ImportUpload imports the files of one upload as a new version of a list,
// as Import does with a path: all or nothing, and the same content again
// stores nothing. One file is read as that file, several as a directory
// (OFAC's files, EU annex CSVs). A file may be gzip-compressed, which
// lets a large list fit a request limit; it is read decompressed, and a
// trailing ".gz" leaves its name. Errors name the files as sent.
func (s *Service) ImportUpload(ctx context.Context, req ImportRequest, files []Upload) (*ImportSummary, error) {
	if len(files) == 0 {
		return nil, vigil.FieldError("file", "no list file in the request")
	}
	dir, err := os.MkdirTemp("", "vigil-list-")
	if err != nil {
		return nil, fmt.Errorf("list upload: %w", err)
	}
	defer os.RemoveAll(dir)
	var names []string
	budget := int64(MaxUploadBytes)
	for i, f := range files {
		name, err := uploadName(f.Name, i, req.Format)
		if err != nil {
			return nil, err
		}
		n, name, err := saveUpload(filepath.Join(dir, name), name, f.Body, budget)
		if err != nil {
			return nil, err
		}
		for _, seen := range names {
			if strings.EqualFold(seen, name) {
				return nil, vigil.FieldError("file", "%q sent twice", name)
			}
		}
		names = append(names, name)
		budget -= n
	}
	req.Path, req.shown = dir, dir
	if len(names) == 1 {
		req.Path = filepath.Join(dir, names[0])
	}
	if req.File == "" {
		req.File = strings.Join(names, ",")
	}
	return s.Import(ctx, req)
}

// uploadName is the base name a sent file is stored under: a client's
// path is cut to its last element, and a file without a name gets one
// from the format, because the OFAC and EU readers tell files by their
// names and extensions.
func uploadName(sent string, i int, format string) (string, error) {
	name := filepath.Base(strings.ReplaceAll(strings.TrimSpace(sent), `\`, "/"))
	switch name {
	case "", ".", "/", "..":
		ext := ".csv"
		switch strings.ToLower(format) {
		case "un":
			ext = ".xml"
		case "ftm":
			ext = ".json"
		}
		name = fmt.Sprintf("list-%d%s", i+1, ext)
		if strings.EqualFold(format, "ofac") && i == 0 {
			name = "sdn.csv"
		}
	}
	if len(name) > 255 || strings.ContainsAny(name, "\x00") {
		return "", vigil.FieldError("file", "file name %q: at most 255 bytes, no NUL", sent)
	}
	return name, nil
}

// saveUpload writes body to path, decompressing it when it is gzip, and
// returns its size and the name it was stored under.
func saveUpload(path, name string, body io.Reader, budget int64) (int64, string, error) {
	br := bufio.NewReader(body)
	src := io.Reader(br)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, name, vigil.Errorf(vigil.EINVALID, "%s: not a readable gzip file: %v", name, err)
		}
		defer zr.Close()
		src = zr
		if trimmed := strings.TrimSuffix(name, filepath.Ext(name)); strings.EqualFold(filepath.Ext(name), ".gz") && trimmed != "" {
			name = trimmed
			path = strings.TrimSuffix(path, filepath.Ext(path))
		}
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return 0, name, vigil.FieldError("file", "%q sent twice", name)
		}
		return 0, name, fmt.Errorf("list upload: %w", err)
	}
	n, err := io.Copy(out, io.LimitReader(src, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// The caller's reader may say why it stopped (a request over the
		// server's limit) with an error of its own.
		var ve *vigil.Error
		if errors.As(err, &ve) {
			return 0, name, err
		}
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, name, vigil.Errorf(vigil.EINVALID, "%s: the gzip stream is damaged or cut short: %v", name, err)
		}
		return 0, name, vigil.Errorf(vigil.EINVALID, "%s: reading the upload: %v", name, err)
	}
	if n > budget {
		return 0, name, vigil.Errorf(vigil.EINVALID, "the list files are larger than %d MiB once decompressed", MaxUploadBytes>>20)
	}
	return n, name, nil
}
