package catalogue_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/catalogue"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

func TestDefaultCatalogueImports(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sum, err := transfer.ImportFile(ctx, db, transfer.Options{Kind: vigil.KindService, Path: catalogue.FileName, Format: "csv", Actor: "t", Open: catalogue.Open})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created < 20 {
		t.Fatalf("default catalogue has %d services", sum.Created)
	}
	// The capabilities the risk rules name must all be offered.
	for _, c := range []string{"storage.object", "storage.archive", "compute", "ai.speech_to_text", "ai.translation", "ai.face_recognition", "ai.language_model", "ai.speaker_identification", "ai.ocr", "analytics.bulk", "analytics.geolocation"} {
		page, err := db.List(ctx, vigil.KindService, vigil.ListOptions{Filters: map[string]string{"capability": c}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 0 {
			t.Errorf("no default service offers %s", c)
		}
	}
}
