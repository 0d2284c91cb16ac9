package screening_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/shareddata"
	"github.com/vigil-hrdd/vigil/screen/screening"
	"github.com/vigil-hrdd/vigil/storetest"
)

// TestEveryRealListImportsAsVersions stores every real list of
// ../shared/data through the service the CLI, the API and the web form
// use, as versions (the lists package's tests check the parsing itself):
// each imports, a later snapshot of the same list records what it added,
// changed and removed, OFAC's partial 2025 snapshot joins the 2024
// primary file when both are uploaded together, and a file cut short
// stores nothing and says which file and line.
func TestEveryRealListImportsAsVersions(t *testing.T) {
	if testing.Short() {
		t.Skip("imports every real list")
	}
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	svc, err := screening.New(s, screening.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	imp := func(name, format string, path ...string) *screening.ImportSummary {
		t.Helper()
		p := shareddata.Dir(t, path...)
		sum, err := svc.Import(ctx, screening.ImportRequest{Path: p, Format: format, Name: name, Actor: "tester"})
		if err != nil {
			t.Fatalf("%s (%s): %v", filepath.Join(path...), format, err)
		}
		if sum.Unchanged || sum.Entries == 0 {
			t.Fatalf("%s: %+v", filepath.Join(path...), sum)
		}
		return sum
	}
	imp("ofac", "ofac", "ofac", "sdn_2021-07")
	if sum := imp("ofac", "ofac", "ofac", "sdn_2024-05-03", "sdn.csv"); sum.Version != 2 || sum.Added == 0 || sum.Removed == 0 || sum.Changed == 0 {
		t.Errorf("OFAC 2024 after 2021: %+v", sum)
	}
	imp("ofac-cons", "ofac", "ofac", "non_sdn_consolidated_2025-12")
	imp("un", "un", "un", "UN_consolidated.xml")
	imp("eu", "eu", "eu", "journal_sanctions_consolidated")
	imp("csl", "csl", "us", "csl_sample_2019.csv")
	if sum := imp("csl", "csl", "us", "csl_sample_2023.csv"); sum.Version != 2 || sum.Added+sum.Changed+sum.Removed == 0 {
		t.Errorf("CSL 2023 after 2019: %+v", sum)
	}
	imp("dod", "dod", "us", "dod_1260h_chinese_military_companies.csv")
	if sum := imp("ftm", "ftm", "ftm", "yente_zala_entities.ftm.json"); len(sum.SuggestedLinks) == 0 {
		t.Errorf("FtM zala: no ownership or directorship edges kept: %+v", sum)
	}
	imp("ftm-t1", "ftm", "ftm", "yente_t1_entities.ftm.json")

	// OFAC's 2025 files come without their primary file; sent with the
	// 2024 sdn.csv they are one list.
	var files []screening.Upload
	for _, p := range []string{shareddata.Dir(t, "ofac", "sdn_2024-05-03", "sdn.csv"), shareddata.Dir(t, "ofac", "sdn_2025-02-27_partial", "alt.csv"),
		shareddata.Dir(t, "ofac", "sdn_2025-02-27_partial", "add.csv"), shareddata.Dir(t, "ofac", "sdn_2025-02-27_partial", "sdn_comments.csv")} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, screening.Upload{Name: filepath.Base(p), Body: f})
	}
	if sum, err := svc.ImportUpload(ctx, screening.ImportRequest{Format: "ofac", Name: "ofac-2025", Actor: "tester"}, files); err != nil || sum.Entries == 0 {
		t.Fatalf("OFAC 2025 files with the 2024 primary file: %+v, %v", sum, err)
	}

	// The real UN list cut in the middle of an element.
	un, err := os.ReadFile(shareddata.Dir(t, "un", "UN_consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "UN_cut.xml")
	os.WriteFile(cut, un[:len(un)*2/3], 0o644)
	_, err = svc.Import(ctx, screening.ImportRequest{Path: cut, Format: "un", Name: "un", Actor: "tester"})
	if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(err.Error(), "UN_cut.xml: line ") {
		t.Fatalf("truncated UN list: %v", err)
	}
	vs, err := svc.Store().ListVersions(ctx, "un")
	if err != nil || len(vs) != 1 {
		t.Fatalf("UN versions after a truncated file: %d, %v", len(vs), err)
	}
	ls, err := svc.Store().Lists(ctx)
	if err != nil || len(ls) != 9 {
		t.Fatalf("stored lists: %d, %v", len(ls), err)
	}
}
