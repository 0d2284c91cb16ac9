package grievance

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/vigil-hrdd/vigil"
)

func TestKeySealsAndOpens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := GenerateKeyWorkFactor(dir, "", 10); err == nil {
		t.Fatal("an empty passphrase was accepted")
	}
	rcpt, err := GenerateKeyWorkFactor(dir, "correct passphrase", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rcpt, "age1") {
		t.Fatalf("recipient %q", rcpt)
	}
	if _, err := GenerateKeyWorkFactor(dir, "another", 10); vigil.ErrorCode(err) != vigil.ECONFLICT {
		t.Fatalf("a second key overwrote the first: %v", err)
	}
	// The identity file is age ciphertext under scrypt, private to its owner.
	sealedKey, err := os.ReadFile(filepath.Join(dir, IdentityFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealedKey, []byte("AGE-SECRET-KEY")) || !bytes.HasPrefix(sealedKey, []byte("age-encryption.org/v1")) {
		t.Fatal("the identity is not sealed")
	}
	if st, _ := os.Stat(filepath.Join(dir, IdentityFile)); st.Mode().Perm() != 0o600 {
		t.Fatalf("identity file mode %v", st.Mode().Perm())
	}
	r, err := LoadRecipient(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := Contact{Name: "Ama", Email: "ama@example.org"}
	sealed, err := Seal(r, c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("ama@example.org")) {
		t.Fatal("sealed contact holds the e-mail in clear")
	}
	if _, err := LoadIdentity(dir, "wrong"); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := LoadIdentity(dir, ""); vigil.ErrorCode(err) != vigil.EINVALID {
		t.Fatalf("empty passphrase: %v", err)
	}
	id, err := LoadIdentity(dir, "correct passphrase")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unseal(id, sealed)
	if err != nil || *got != c {
		t.Fatalf("unsealed %+v, %v", got, err)
	}
	// Another key cannot open it.
	other, _ := age.GenerateX25519Identity()
	if _, err := Unseal(other, sealed); err == nil {
		t.Fatal("another identity opened the contact")
	}
	if _, err := LoadRecipient(t.TempDir()); vigil.ErrorCode(err) != vigil.ENOTFOUND {
		t.Fatalf("no key: %v", err)
	}
}

func TestReceiptCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		code, hash := NewReceiptCode()
		if len(code) != 24 || strings.Count(code, "-") != 4 || seen[code] {
			t.Fatalf("code %q", code)
		}
		seen[code] = true
		if ReceiptHash(strings.ToLower(strings.ReplaceAll(code, "-", " "))) != hash {
			t.Fatalf("typed loosely, %q hashes differently", code)
		}
		if strings.ContainsAny(code, "ILOU") {
			t.Fatalf("code %q holds a letter people misread", code)
		}
	}
	if NormalizeReceipt("ol1i-ab") != "0111AB" {
		t.Fatalf("normalize: %q", NormalizeReceipt("ol1i-ab"))
	}
}

func TestAttachmentNamesAndQuantiles(t *testing.T) {
	l := DefaultLimits
	f, err := l.CheckAttachment("C:\\Users\\x\\évidence\u202e.txt", []byte("plain words\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "évidence.txt" || f.MediaType != "text/plain" || f.Size != 12 {
		t.Fatalf("file %+v", f)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 16)...)
	if f, err := l.CheckAttachment("a.pdf", png, time.Now()); err != nil || f.MediaType != "image/png" {
		t.Fatalf("a PNG named .pdf is a PNG: %+v %v", f, err)
	}
	q := quantiles([]float64{10, 1, 5, 3, 8, 2, 7, 4, 6, 9})
	if q != (Quantiles{N: 10, Median: 5, P90: 9}) {
		t.Fatalf("quantiles %+v", q)
	}
	if q := quantiles([]float64{24}); q != (Quantiles{N: 1, Median: 24, P90: 24}) {
		t.Fatalf("one value %+v", q)
	}
	if SplitIDs(" a, b\nc a ") == nil || strings.Join(SplitIDs(" a, b\nc a "), "|") != "a|b|c" {
		t.Fatalf("split %q", SplitIDs(" a, b\nc a "))
	}
}

func TestOverdueFlags(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	g := &Grievance{ReceivedAt: t0, AckDue: t0.Add(DefaultAckWithin), AnswerDue: t0.Add(DefaultAnswerWithin)}
	if f := g.Overdue(t0.Add(DefaultAckWithin)); f.AckOverdue || f.AnswerOverdue {
		t.Fatalf("at the deadline itself: %+v", f)
	}
	if f := g.Overdue(t0.Add(DefaultAckWithin + time.Second)); !f.AckOverdue || f.AnswerOverdue {
		t.Fatalf("after the acknowledgement deadline: %+v", f)
	}
	closed := t0.Add(time.Hour)
	g.ClosedAt = &closed
	if f := g.Overdue(t0.Add(100 * 24 * time.Hour)); f.AckOverdue || f.AnswerOverdue {
		t.Fatalf("a closed grievance is never overdue: %+v", f)
	}
	p := &Promise{Due: vigil.MustDate("2026-11-05")}
	if p.Overdue(time.Date(2026, 11, 5, 23, 59, 0, 0, time.UTC)) || !p.Overdue(time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("a promise is due by the end of its day")
	}
	if _, err := NewService(nil, Config{AckWithin: 10 * 24 * time.Hour, AnswerWithin: 5 * 24 * time.Hour}); vigil.ErrorCode(err) != vigil.EINVALID {
		t.Fatalf("answer before acknowledgement: %v", err)
	}
}

func TestSealFileKeepsIdentityAndChecksIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := GenerateKeyWorkFactor(dir, "pass", 10); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRecipient(dir)
	if err != nil {
		t.Fatal(err)
	}
	id, err := LoadIdentity(dir, "pass")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	plain := []byte("Names of the witnesses: A. and B.\n")
	f, err := DefaultLimits.CheckAttachment("w.txt", plain, now)
	if err != nil {
		t.Fatal(err)
	}
	sf, err := SealFile(r, f)
	if err != nil {
		t.Fatal(err)
	}
	if !sf.Sealed || sf.SHA256 != f.SHA256 || sf.Size != f.Size || bytes.Contains(sf.Content, []byte("witnesses")) {
		t.Fatalf("sealed file %+v", sf)
	}
	again, err := SealFile(r, sf)
	if err != nil || !bytes.Equal(again.Content, sf.Content) {
		t.Fatalf("sealing a sealed file again changed it (%v)", err)
	}
	got, err := UnsealFile(id, &sf, sf.Content)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("unseal: %q %v", got, err)
	}
	// Another file's ciphertext under this file's identity is refused.
	other, err := DefaultLimits.CheckAttachment("o.txt", []byte("another file\n"), now)
	if err != nil {
		t.Fatal(err)
	}
	other, err = SealFile(r, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnsealFile(id, &sf, other.Content); err == nil || !strings.Contains(err.Error(), "another SHA-256") {
		t.Fatalf("a swapped ciphertext opened: %v", err)
	}
}

func TestMetadataWithholdsContent(t *testing.T) {
	now := time.Now()
	acked := now.Add(time.Hour)
	g := &Grievance{ID: "G1", Channel: ChannelWeb, Subject: "S", Description: "D", About: "A", TriageNote: "N", Status: StatusAcknowledged,
		ReceivedAt: now, AckDue: now, AnswerDue: now, AcknowledgedAt: &acked, AckLate: true, Outcome: OutcomeUpheld,
		PartyIDs: []string{"P"}, SubscriptionIDs: []string{"S1"}, CaseIDs: []string{"C"}, Attachments: []File{{SHA256: "x", Name: "evidence.pdf"}}}
	m := g.Metadata()
	if m.Subject != "" || m.Description != "" || m.About != "" || m.TriageNote != "" || len(m.Attachments) != 0 {
		t.Fatalf("metadata holds content: %+v", m)
	}
	if m.ID != "G1" || m.Status != StatusAcknowledged || !m.AckLate || m.AcknowledgedAt == nil || m.Outcome != OutcomeUpheld ||
		len(m.PartyIDs) != 1 || len(m.SubscriptionIDs) != 1 || len(m.CaseIDs) != 1 {
		t.Fatalf("metadata lost the oversight fields: %+v", m)
	}
	if g.Subject != "S" || len(g.Attachments) != 1 {
		t.Fatal("Metadata changed the grievance it copies")
	}
	for role, want := range map[vigil.Role]bool{vigil.RoleGrievanceOfficer: true, vigil.RoleAnalyst: true, vigil.RoleReviewer: true,
		vigil.RoleApprover: true, vigil.RoleAdmin: true, vigil.RoleAuditor: false} {
		if MayReadContent(role) != want {
			t.Errorf("MayReadContent(%s) = %v", role, !want)
		}
	}
}
