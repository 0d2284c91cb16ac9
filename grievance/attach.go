package grievance

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil"
)

// AllowedTypes are the media types an attachment may have, as sniffed
// from its bytes (never as the sender declares): documents and pictures
// that browsers and viewers show without running anything.
var AllowedTypes = []string{"application/pdf", "image/png", "image/jpeg", "text/plain"}

// Limits bound what one submission may carry.
type Limits struct {
	MaxAttachments     int   // per submission or added information
	MaxAttachmentBytes int64 // per file
	MaxTextBytes       int   // per text field
}

// DefaultLimits fit under the server's 1 MiB body limit.
var DefaultLimits = Limits{MaxAttachments: 3, MaxAttachmentBytes: 512 << 10, MaxTextBytes: 20000}

// CheckAttachment sniffs a file's type, checks it against AllowedTypes and
// the size limit, and returns it ready to store. The name is cleaned to a
// base name of printable characters.
func (l Limits) CheckAttachment(name string, content []byte, now time.Time) (File, error) {
	name = cleanName(name)
	if len(content) == 0 {
		return File{}, vigil.FieldError("attachments", "%q is empty", name)
	}
	if int64(len(content)) > l.MaxAttachmentBytes {
		return File{}, vigil.FieldError("attachments", "%q has %d bytes; at most %d are accepted", name, len(content), l.MaxAttachmentBytes)
	}
	mt, _, _ := strings.Cut(http.DetectContentType(content), ";")
	allowed := false
	for _, t := range AllowedTypes {
		allowed = allowed || t == mt
	}
	if !allowed {
		return File{}, vigil.FieldError("attachments", "%q is %s; accepted are PDF, PNG, JPEG and plain text", name, mt)
	}
	if mt == "text/plain" && !utf8.Valid(content) {
		return File{}, vigil.FieldError("attachments", "%q is not UTF-8 text", name)
	}
	sum := sha256.Sum256(content)
	return File{SHA256: hex.EncodeToString(sum[:]), Name: name, MediaType: mt, Size: int64(len(content)), AddedAt: now.UTC(), Content: content}, nil
}

func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		name = "attachment"
	}
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	return name
}

// CheckText trims a text field and bounds its length.
func (l Limits) CheckText(field, s string, required bool) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if required && s == "" {
		return "", vigil.FieldError(field, "must not be empty")
	}
	if len(s) > l.MaxTextBytes {
		return "", vigil.FieldError(field, "has %d bytes; at most %d are accepted", len(s), l.MaxTextBytes)
	}
	if !utf8.ValidString(s) {
		return "", vigil.FieldError(field, "is not valid UTF-8")
	}
	return s, nil
}
