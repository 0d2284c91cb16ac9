package transfer

import (
	"fmt"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// ColumnsMarkdown renders the column table of a kind, as docs/formats.md
// shows it; a test keeps the document and the code in step.
func ColumnsMarkdown(kind vigil.Kind) string {
	var b strings.Builder
	b.WriteString("| column | required | meaning |\n|---|---|---|\n")
	for _, c := range Describe(kind) {
		req := ""
		if c.Required {
			req = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, req, c.Doc)
	}
	return b.String()
}
