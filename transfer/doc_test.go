package transfer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/transfer"
)

// TestFormatsDocumentIsCurrent fails when docs/formats.md no longer shows the
// columns the importer reads.
func TestFormatsDocumentIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("../docs/formats.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range vigil.Kinds {
		if !strings.Contains(string(doc), transfer.ColumnsMarkdown(k)) {
			t.Errorf("docs/formats.md does not show the current columns of %s; the table should be:\n%s", k, transfer.ColumnsMarkdown(k))
		}
	}
}
