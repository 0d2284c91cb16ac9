package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/vigil-hrdd/vigil"
)

// Problem is an RFC 9457 problem document, with Vigil's error code and the
// offending field as extensions so that clients can branch without parsing
// the text.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	// RequestID lets an operator find the log line of a failed request,
	// which matters most for internal errors whose detail is withheld.
	RequestID string `json:"request_id,omitempty"`
}

// problemTypeBase prefixes every problem type. A URN rather than an address
// because no web site promises to serve these; docs/api.md lists them.
const problemTypeBase = "urn:vigil:problem:"

// statusOf is the one mapping of Vigil error codes to HTTP status codes.
var statusOf = map[string]int{
	vigil.EINVALID:      http.StatusBadRequest,
	vigil.ENOTFOUND:     http.StatusNotFound,
	vigil.ECONFLICT:     http.StatusConflict,
	vigil.EUNAUTHORIZED: http.StatusUnauthorized,
	vigil.EFORBIDDEN:    http.StatusForbidden,
	vigil.EINTERNAL:     http.StatusInternalServerError,
}

// Codes used only at the HTTP edge, for failures no store can produce.
const (
	codeTooLarge         = "too_large"
	codeMethodNotAllowed = "method_not_allowed"
)

var edgeStatusOf = map[string]int{
	codeTooLarge:         http.StatusRequestEntityTooLarge,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
}

// ErrorStatus returns the HTTP status code for an error.
func ErrorStatus(err error) int {
	code := vigil.ErrorCode(err)
	if st, ok := statusOf[code]; ok {
		return st
	}
	if st, ok := edgeStatusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// writeError renders err as a problem document. Internal errors are logged
// in full and answered with a generic text: their details (SQL, paths,
// driver messages) are for operators, not for API users.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	code := vigil.ErrorCode(err)
	p := Problem{
		Type:      problemTypeBase + code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    vigil.ErrorMessage(err),
		Instance:  r.URL.Path,
		Code:      code,
		RequestID: requestIDFrom(r.Context()),
	}
	var ve *vigil.Error
	if errors.As(err, &ve) {
		p.Field = ve.Field
		p.Detail = ve.Message
	}
	if status >= 500 {
		p.Code = vigil.EINTERNAL
		p.Type = problemTypeBase + vigil.EINTERNAL
		p.Detail = "internal error; the server log has the details under this request id"
		p.Field = ""
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("user", reqInfoFrom(r.Context()).user),
			slog.String("request_id", p.RequestID),
			slog.Any("err", err))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(p); err != nil {
		s.logger.DebugContext(r.Context(), "write problem", slog.Any("err", err))
	}
}

// writeJSON writes v with the status. Encoding into the connection directly
// keeps pages of a thousand records from being held twice in memory.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		// The status line is gone already; all that is left is to log.
		s.logger.DebugContext(r.Context(), "write response", slog.String("path", r.URL.Path), slog.Any("err", err))
	}
}
