package i18n

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func bundle(t *testing.T) *Bundle {
	t.Helper()
	b, err := NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Golden values are written with explicit code points: U+202F (narrow
// no-break space) groups French digits, U+00A0 (no-break space) sits
// before "%" and inside "14 h 30".
func TestNumbersGolden(t *testing.T) {
	b := bundle(t)
	en, fr := b.For("en"), b.For("fr")
	for _, tc := range []struct {
		got, want string
	}{
		{en.Int(1234567), "1,234,567"},
		{fr.Int(1234567), "1\u202f234\u202f567"},
		{fr.Int(999), "999"},
		{fr.Int(-4500), "-4\u202f500"},
		{en.Decimal(1234567.5, 1), "1,234,567.5"},
		{fr.Decimal(1234567.5, 1), "1\u202f234\u202f567,5"},
		{en.Percent(0.125), "12.5%"},
		{fr.Percent(0.125), "12,5\u00a0%"},
		{fr.Percent(1), "100\u00a0%"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q (%U), want %q (%U)", tc.got, []rune(tc.got), tc.want, []rune(tc.want))
		}
	}
}

func TestDatesGolden(t *testing.T) {
	b := bundle(t)
	en, fr := b.For("en"), b.For("fr")
	first := time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC)
	second := time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)
	aug := time.Date(2027, 8, 21, 8, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		got, want string
	}{
		{fr.Date(first), "1er décembre 2026"},
		{fr.Date(second), "2 décembre 2026"},
		{fr.Date(aug), "21 août 2027"},
		{en.Date(first), "1 December 2026"},
		{fr.Clock(first), "14\u00a0h\u00a030"},
		{fr.Clock(second), "19\u00a0h"},
		{fr.Clock(aug), "8\u00a0h\u00a005"},
		{en.Clock(aug), "08:05"},
		{fr.DateTime(first), "1er décembre 2026 à 14\u00a0h\u00a030 UTC"},
		{en.DateTime(second), "2 December 2026, 19:00 UTC"},
		{fr.DateTime(first.In(time.FixedZone("CET", 3600))), "1er décembre 2026 à 14\u00a0h\u00a030 UTC"},
		{fr.Date(time.Time{}), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q (%U), want %q (%U)", tc.got, []rune(tc.got), tc.want, []rune(tc.want))
		}
	}
	// "1er" is for the first of the month only, never the 11th or 21st.
	for _, d := range []int{11, 21, 31} {
		if got := fr.Date(time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC)); strings.Contains(got, "er ") {
			t.Errorf("%d December: %q", d, got)
		}
	}
}

func TestPlurals(t *testing.T) {
	b := bundle(t)
	en, fr := b.For("en"), b.For("fr")
	for _, tc := range []struct {
		got, want string
	}{
		{en.T("list.shown", 0), "0 records shown"},
		{en.T("list.shown", 1), "1 record shown"},
		{en.T("list.shown", 2), "2 records shown"},
		{fr.T("list.shown", 0), "0 fiche affichée"}, // French: 0 is singular
		{fr.T("list.shown", 1), "1 fiche affichée"},
		{fr.T("list.shown", 2), "2 fiches affichées"},
		{fr.T("status.tier", "critique", 3), "Son niveau de risque actuel le plus élevé est «\u00a0critique\u00a0» (3 relations évaluées)."},
		{fr.T("assess.why"), "Pourquoi"},
		{fr.T("history.by", "amira"), "par amira"},
		{fr.T("login.hint"), "Pas encore de mot de passe, ou compte verrouillé\u202f? Un administrateur en définit un sur la page Utilisateurs ou avec\u00a0: vigil users password VOTRE_ID"},
		{en.T("login.failed", 5, 15), "Sign-in failed: wrong user name or password. After 5 failures in a row, an account is locked for 15 minutes."},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestMatchAndLabel(t *testing.T) {
	b := bundle(t)
	for _, tc := range []struct{ choice, accept, want string }{
		{"fr", "en-GB", "fr"},
		{"", "fr-CA,fr;q=0.9,en;q=0.5", "fr"},
		{"", "de-DE,de;q=0.9", "en"},
		{"xx", "", "en"},
	} {
		if got := b.Match(tc.choice, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.choice, tc.accept, got, tc.want)
		}
	}
	fr := b.For("fr")
	if got := fr.Label("tier", "critical"); got != "critique" {
		t.Errorf("tier critical = %q", got)
	}
	if got := fr.Label("tier", "severe-custom"); got != "severe-custom" {
		t.Errorf("an unknown tier should show as is, got %q", got)
	}
}

// TestMessagesComplete checks that both languages use the same verbs in
// every message, and that every key the UI's templates and Go code ask for
// exists, so no page shows a raw key.
func TestMessagesComplete(t *testing.T) {
	b := bundle(t)
	verbs := regexp.MustCompile(`%(\[\d+\])?[sdvq]`)
	for _, m := range messages {
		en, fr := verbs.FindAllString(m.en, -1), verbs.FindAllString(m.fr, -1)
		if m.plural >= 0 {
			enOne, enOther, _ := strings.Cut(m.en, "|")
			frOne, frOther, _ := strings.Cut(m.fr, "|")
			en = verbs.FindAllString(enOne+enOther, -1)
			fr = verbs.FindAllString(frOne+frOther, -1)
		}
		if fmt.Sprint(sorted(en)) != fmt.Sprint(sorted(fr)) {
			t.Errorf("%s: English verbs %v, French verbs %v", m.key, en, fr)
		}
	}
	used := regexp.MustCompile(`(?:\.T|T\() ?"([a-z0-9_.]+)"`)
	files, err := filepath.Glob("../http/templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../http/ui*.go")
	files = append(files, more...)
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(data), -1) {
			key := m[1]
			if strings.HasSuffix(key, ".") {
				continue // a prefix completed at run time, checked below
			}
			if !b.Has(key) {
				t.Errorf("%s uses the undefined message %q", filepath.Base(f), key)
			}
		}
	}
	for _, k := range []string{"kind.parties", "kind.accounts", "kind.subscriptions", "kind.sources"} {
		if !b.Has(k) {
			t.Errorf("missing %s", k)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
