package storetest

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/internal/pgtest"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// RunGrievance runs the conformance suite of grievance.Store: sealing of
// contact details (unreadable in the database, its files and a dump),
// receipt-code follow-up, deadlines and overdue flags on an injected clock,
// triage, effectiveness figures and the engagement record.
func RunGrievance(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, vigil.Store, grievance.Store)
	}{
		{"ContactIsSealed", testGrievanceSealing},
		{"AttachmentsAreSealed", testGrievanceAttachmentSealing},
		{"ReceiptFollowUpAndInformation", testGrievanceReceipt},
		{"DeadlinesAndOverdue", testGrievanceDeadlines},
		{"TriageAndListing", testGrievanceTriage},
		{"EngagementRecord", testEngagement},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			gs, err := grievance.StoreOf(s)
			must(t, err)
			tc.fn(t, s, gs)
		})
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var grievanceT0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// grievanceKeyPassphrase opens the test key; the work factor is low so
// the suite does not need 256 MiB per unsealing.
const grievanceKeyPassphrase = "a test passphrase for the grievance key"

func grievanceService(t *testing.T, gs grievance.Store, c *clock, withKey bool) *grievance.Service {
	t.Helper()
	dir := ""
	if withKey {
		dir = filepath.Join(t.TempDir(), "keys")
		_, err := grievance.GenerateKeyWorkFactor(dir, grievanceKeyPassphrase, 10)
		must(t, err)
	}
	svc, err := grievance.NewService(gs, grievance.Config{KeyDir: dir, Now: c.Now})
	must(t, err)
	return svc
}

// Contact details that must never be readable at rest.
var secretContact = grievance.Contact{
	Name:  "Nadia Whistle-Blower-7Q2",
	Email: "nadia.7q2@example.org",
	Phone: "+47 555 0173 22",
	Other: "Signal: nadia7q2secret",
}

func testGrievanceSealing(t *testing.T, s vigil.Store, gs grievance.Store) {
	c := &clock{t: grievanceT0}
	svc := grievanceService(t, gs, c, true)
	if !svc.TakesContact() {
		t.Fatal("a service with a key should take contact details")
	}
	rc, err := svc.Submit(ctx, grievance.Submission{Channel: grievance.ChannelWeb, Language: "en", Subject: "Drones over the camp",
		Description: "The speech service is used to listen to us.", Contact: secretContact})
	must(t, err)
	g, err := gs.GetGrievance(ctx, rc.ID)
	must(t, err)
	if g.Anonymous || !g.HasContact {
		t.Fatalf("named grievance stored as anonymous=%v has_contact=%v", g.Anonymous, g.HasContact)
	}
	// Nothing at rest holds the contact: not the rows (a dump), not an
	// event payload, not the database files or a backup of them.
	secrets := []string{secretContact.Name, secretContact.Email, secretContact.Phone, "nadia7q2secret", "Whistle-Blower", "7q2@example"}
	checkNotAtRest(t, s, "Drones over the camp", secrets...)

	// Only the passphrase opens it, and each opening is recorded.
	before := countEvents(t, s, vigil.EventGrievanceContactOpened)
	_, err = svc.OpenContact(ctx, rc.ID, "wrong passphrase", "officer")
	wantCode(t, err, vigil.EFORBIDDEN)
	if n := countEvents(t, s, vigil.EventGrievanceContactOpened); n != before {
		t.Fatalf("a refused opening wrote %d contact_opened events", n-before)
	}
	got, err := svc.OpenContact(ctx, rc.ID, grievanceKeyPassphrase, "officer")
	must(t, err)
	if *got != secretContact {
		t.Fatalf("opened %+v, want %+v", got, secretContact)
	}
	if n := countEvents(t, s, vigil.EventGrievanceContactOpened); n != before+1 {
		t.Fatalf("%d contact_opened events after one opening, want %d", n, before+1)
	}
	evs, err := s.ListEvents(ctx, 0, 1000)
	must(t, err)
	for _, ev := range evs {
		if ev.Type == vigil.EventGrievanceContactOpened && (ev.Actor != "officer" || ev.Subject != "grievances/"+rc.ID) {
			t.Errorf("contact_opened event %+v", ev)
		}
	}

	// Anonymous grievances have nothing to open; without a key, contact
	// details are refused rather than kept in clear.
	anon, err := svc.Submit(ctx, grievance.Submission{Subject: "Anonymous", Description: "No contact."})
	must(t, err)
	_, err = svc.OpenContact(ctx, anon.ID, grievanceKeyPassphrase, "officer")
	wantCode(t, err, vigil.ENOTFOUND)
	keyless := grievanceService(t, gs, c, false)
	_, err = keyless.Submit(ctx, grievance.Submission{Subject: "x", Description: "y", Contact: grievance.Contact{Email: "a@example.org"}})
	wantCode(t, err, vigil.EINVALID)
}

// Files whose bytes must never be readable at rest: evidence that names
// the person who sent it.
var (
	secretStatement = []byte("Witness statement of Leyla Q9-Harbour, 3 November: the unit transcribes our calls.\n")
	secretPDF       = []byte("%PDF-1.4\n1 0 obj << /Title (Photos by Tomas K4-Ridge) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	secretLater     = []byte("Added later: the second recording was made by Omar J8-Creek.\n")
)

func testGrievanceAttachmentSealing(t *testing.T, s vigil.Store, gs grievance.Store) {
	c := &clock{t: grievanceT0}
	svc := grievanceService(t, gs, c, true)
	if !svc.SealsFiles() {
		t.Fatal("a service with a key should seal files")
	}
	check := func(name string, b []byte) grievance.File {
		f, err := svc.Limits().CheckAttachment(name, b, c.Now())
		must(t, err)
		return f
	}
	statement, photos := check("statement.txt", secretStatement), check("photos.pdf", secretPDF)
	rc, err := svc.Submit(ctx, grievance.Submission{Channel: grievance.ChannelWeb, Subject: "Recordings at the harbour",
		Description: "Files attached.", Attachments: []grievance.File{statement, photos}})
	must(t, err)
	c.Set(grievanceT0.Add(time.Hour))
	later := check("later.txt", secretLater)
	must(t, svc.AddInformation(ctx, rc.Code, "One more file.", []grievance.File{later}))

	// The grievance lists every file as sealed, by the SHA-256 of what
	// was sent; the stored bytes are ciphertext.
	g, err := gs.GetGrievance(ctx, rc.ID)
	must(t, err)
	if len(g.Attachments) != 3 {
		t.Fatalf("%d attachments, want 3", len(g.Attachments))
	}
	for i, want := range []grievance.File{statement, photos, later} {
		a := g.Attachments[i]
		if !a.Sealed || a.SHA256 != want.SHA256 || a.Size != want.Size || a.MediaType != want.MediaType {
			t.Errorf("attachment %d stored as %+v, want the plaintext's identity %s (%d bytes) and sealed", i, a, want.SHA256, want.Size)
		}
		f, stored, err := gs.GrievanceAttachment(ctx, rc.ID, want.SHA256)
		must(t, err)
		if !f.Sealed || bytes.Equal(stored, want.Content) || !bytes.HasPrefix(stored, []byte("age-encryption.org/v1\n")) {
			t.Errorf("attachment %s: sealed=%v, stored bytes %.40q", want.Name, f.Sealed, stored)
		}
	}
	// Nothing at rest holds a file's bytes: not the rows, not an event,
	// not the database files, their WAL or a backup, not pg_dump.
	checkNotAtRest(t, s, "Recordings at the harbour", "Leyla Q9-Harbour", "transcribes our calls", "Tomas K4-Ridge", "Omar J8-Creek", "second recording")

	// Only the passphrase opens a file, and each opening is recorded
	// once; a refusal records nothing.
	opened := func() int { return countEvents(t, s, vigil.EventGrievanceAttachmentOpened) }
	_, _, err = svc.OpenAttachment(ctx, rc.ID, statement.SHA256, "wrong passphrase", "officer")
	wantCode(t, err, vigil.EFORBIDDEN)
	_, _, err = svc.OpenAttachment(ctx, rc.ID, strings.Repeat("0", 64), grievanceKeyPassphrase, "officer")
	wantCode(t, err, vigil.ENOTFOUND)
	if n := opened(); n != 0 {
		t.Fatalf("refused openings wrote %d attachment_opened events", n)
	}
	for i, want := range []grievance.File{statement, photos, later} {
		f, plain, err := svc.OpenAttachment(ctx, rc.ID, want.SHA256, grievanceKeyPassphrase, "officer")
		must(t, err)
		if !bytes.Equal(plain, want.Content) || f.Name != want.Name || f.MediaType != want.MediaType {
			t.Fatalf("opened %s: %+v %q", want.Name, f, plain)
		}
		if n := opened(); n != i+1 {
			t.Fatalf("%d attachment_opened events after %d openings", n, i+1)
		}
	}
	evs, err := s.ListEvents(ctx, 0, 1000)
	must(t, err)
	var openedFiles []string
	for _, ev := range evs {
		if ev.Type != vigil.EventGrievanceAttachmentOpened {
			continue
		}
		var p struct {
			SHA256 string `json:"sha256"`
		}
		must(t, json.Unmarshal(ev.Payload, &p))
		if ev.Actor != "officer" || ev.Subject != "grievances/"+rc.ID {
			t.Errorf("attachment_opened event %+v", ev)
		}
		openedFiles = append(openedFiles, p.SHA256)
	}
	if fmt.Sprint(openedFiles) != fmt.Sprint([]string{statement.SHA256, photos.SHA256, later.SHA256}) {
		t.Errorf("attachment_opened events name %v", openedFiles)
	}
	checkNotAtRest(t, s, "Recordings at the harbour", "Leyla Q9-Harbour", "Tomas K4-Ridge", "Omar J8-Creek")

	// Files stored in clear stay readable: those of a keyless channel and
	// rows written before sealing existed (migration 00013's default). An
	// opening of such a file is refused and recorded nowhere.
	keyless := grievanceService(t, gs, c, false)
	plainFile := check("plain.txt", []byte("kept as sent\n"))
	rc2, err := keyless.Submit(ctx, grievance.Submission{Subject: "Keyless", Description: "d", Attachments: []grievance.File{plainFile}})
	must(t, err)
	f, content, err := gs.GrievanceAttachment(ctx, rc2.ID, plainFile.SHA256)
	must(t, err)
	if f.Sealed || !bytes.Equal(content, plainFile.Content) {
		t.Fatalf("keyless file: sealed=%v %q", f.Sealed, content)
	}
	h, ok := s.(interface{ DB() *sql.DB })
	if !ok {
		t.Fatalf("%T has no DB handle", s)
	}
	older := []byte("written before migration 00013\n")
	olderSHA := fmt.Sprintf("%x", sha256.Sum256(older))
	q := "INSERT INTO grievance_attachments (grievance_id, sha256, name, media_type, size, added_at, content) VALUES (?, ?, ?, ?, ?, ?, ?)"
	if _, isSQLite := s.(*sqlite.DB); !isSQLite {
		q = "INSERT INTO grievance_attachments (grievance_id, sha256, name, media_type, size, added_at, content) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	}
	_, err = h.DB().ExecContext(ctx, q, rc.ID, olderSHA, "older.txt", "text/plain", len(older), "2026-01-01T00:00:00.000000Z", older)
	must(t, err)
	f, content, err = gs.GrievanceAttachment(ctx, rc.ID, olderSHA)
	must(t, err)
	if f.Sealed || !bytes.Equal(content, older) {
		t.Fatalf("older row: sealed=%v %q", f.Sealed, content)
	}
	_, _, err = svc.OpenAttachment(ctx, rc.ID, olderSHA, grievanceKeyPassphrase, "officer")
	wantCode(t, err, vigil.ECONFLICT)
	_, _, err = gs.OpenGrievanceAttachment(ctx, rc2.ID, plainFile.SHA256, "officer", c.Now())
	wantCode(t, err, vigil.ECONFLICT)
	if n := opened(); n != 3 {
		t.Fatalf("openings of files in clear wrote events: %d, want 3", n)
	}
}

// checkNotAtRest looks for each secret in every copy of the database at
// rest (atRest) and fails when one holds it in clear. marker is a text
// stored in clear (a subject) that each copy must hold, so that a copy
// that reads nothing cannot pass.
func checkNotAtRest(t *testing.T, s vigil.Store, marker string, secrets ...string) {
	t.Helper()
	for _, c := range atRest(t, s) {
		for _, sec := range secrets {
			if bytes.Contains(c.b, []byte(sec)) {
				t.Errorf("%s holds %q in clear", c.name, sec)
			}
		}
		if !bytes.Contains(c.b, []byte(marker)) {
			t.Fatalf("%s does not hold %q: the check reads nothing", c.name, marker)
		}
	}
}

type restCopy struct {
	name string
	b    []byte
}

// atRest returns the copies of a store's data someone might come to
// hold: every row of the grievance tables and the events, a real pg_dump
// of a PostgreSQL schema, and an SQLite database's file, its WAL and a
// VACUUM INTO backup.
func atRest(t *testing.T, s vigil.Store) []restCopy {
	t.Helper()
	out := []restCopy{{"the dump of the database's rows", dumpTables(t, s, "grievances", "grievance_updates", "grievance_attachments", "events")}}
	if dump := pgDump(t, s); dump != nil {
		out = append(out, restCopy{"pg_dump of the schema", dump})
	}
	if db, ok := s.(*sqlite.DB); ok {
		backup := filepath.Join(t.TempDir(), "backup.db")
		_, err := db.DB().ExecContext(ctx, "VACUUM INTO ?", backup)
		must(t, err)
		var raw []byte
		for _, f := range []string{db.Path, db.Path + "-wal", backup} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			raw = append(raw, b...)
		}
		out = append(out, restCopy{"the SQLite files or their backup", raw})
	}
	return out
}

// pgDump runs the real pg_dump on a PostgreSQL store's schema, as a
// backup would; nil for other stores or without pg_dump.
func pgDump(t *testing.T, s vigil.Store) []byte {
	t.Helper()
	h, ok := s.(interface{ DB() *sql.DB })
	if !ok {
		return nil
	}
	var version, schema string
	if err := h.DB().QueryRowContext(ctx, "SELECT version(), current_schema()").Scan(&version, &schema); err != nil || !strings.HasPrefix(version, "PostgreSQL") {
		return nil
	}
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Logf("pg_dump not installed: the PostgreSQL backup is checked through SELECT only")
		return nil
	}
	out, err := exec.CommandContext(ctx, bin, "--schema="+schema, "--data-only", pgtest.URL()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	t.Logf("pg_dump of schema %s: %d bytes", schema, len(out))
	return out
}

// dumpTables reads every column of every row of the tables as text or
// bytes, as a pg_dump or an SQLite .dump would write them.
func dumpTables(t *testing.T, s vigil.Store, tables ...string) []byte {
	t.Helper()
	h, ok := s.(interface{ DB() *sql.DB })
	if !ok {
		t.Fatalf("%T has no DB handle to dump", s)
	}
	var out bytes.Buffer
	for _, table := range tables {
		rows, err := h.DB().QueryContext(ctx, "SELECT * FROM "+table)
		must(t, err)
		cols, err := rows.Columns()
		must(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					out.Write(v)
				default:
					fmt.Fprint(&out, v)
				}
				out.WriteByte('\t')
			}
			out.WriteByte('\n')
		}
		must(t, rows.Err())
		rows.Close()
	}
	return out.Bytes()
}

func pdfBytes() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func testGrievanceReceipt(t *testing.T, s vigil.Store, gs grievance.Store) {
	c := &clock{t: grievanceT0}
	svc := grievanceService(t, gs, c, false)
	att, err := svc.Limits().CheckAttachment("../../etc/report.pdf", pdfBytes(), c.Now())
	must(t, err)
	if att.Name != "report.pdf" || att.MediaType != "application/pdf" {
		t.Fatalf("attachment %+v", att)
	}
	rc, err := svc.Submit(ctx, grievance.Submission{Channel: grievance.ChannelAPI, Language: "fr", Subject: "Sujet", Description: "Texte", Attachments: []grievance.File{att}})
	must(t, err)
	if len(grievance.NormalizeReceipt(rc.Code)) != 20 || !rc.AckDue.Equal(grievanceT0.Add(grievance.DefaultAckWithin)) || !rc.AnswerDue.Equal(grievanceT0.Add(grievance.DefaultAnswerWithin)) {
		t.Fatalf("receipt %+v", rc)
	}
	// The code is never stored, only its hash.
	if bytes.Contains(dumpTables(t, s, "grievances", "events"), []byte(grievance.NormalizeReceipt(rc.Code))) {
		t.Fatal("the receipt code is stored in clear")
	}
	// People type codes loosely.
	loose := strings.ToLower(strings.ReplaceAll(rc.Code, "-", " "))
	f, err := svc.Follow(ctx, loose)
	must(t, err)
	if f.ID != rc.ID || f.Status != grievance.StatusReceived || f.Attachments != 1 || len(f.Messages) != 0 {
		t.Fatalf("follow %+v", f)
	}
	for _, bad := range []string{"", "0000-0000-0000-0000-0000", rc.Code + "X"} {
		_, err := svc.Follow(ctx, bad)
		wantCode(t, err, vigil.ENOTFOUND)
	}

	c.Set(grievanceT0.Add(2 * time.Hour))
	note, err := svc.Limits().CheckAttachment("note.txt", []byte("Plus de détails : le 3 novembre.\n"), c.Now())
	must(t, err)
	must(t, svc.AddInformation(ctx, rc.Code, "Une précision.", []grievance.File{note}))
	wantCode(t, svc.AddInformation(ctx, rc.Code, "   ", nil), vigil.EINVALID)
	if n := countEvents(t, s, vigil.EventGrievanceUpdated); n != 1 {
		t.Fatalf("%d updated events, want 1", n)
	}
	_, err = svc.Acknowledge(ctx, rc.ID, "Nous avons bien reçu votre signalement.", "officer")
	must(t, err)
	f, err = svc.Follow(ctx, rc.Code)
	must(t, err)
	if f.Status != grievance.StatusAcknowledged || f.Attachments != 2 || len(f.Messages) != 2 {
		t.Fatalf("after information and acknowledgement: %+v", f)
	}
	if m := f.Messages[0]; !m.FromSubmitter || m.Text != "Une précision." || !m.Time.Equal(c.Now()) {
		t.Fatalf("first message %+v", m)
	}
	if m := f.Messages[1]; m.FromSubmitter || m.Kind != grievance.UpdateAcknowledgement {
		t.Fatalf("second message %+v", m)
	}
	a, content, err := gs.GrievanceAttachment(ctx, rc.ID, note.SHA256)
	must(t, err)
	if a.MediaType != "text/plain" || !bytes.Equal(content, note.Content) {
		t.Fatalf("attachment %+v %q", a, content)
	}
	// Refused types and sizes.
	for name, b := range map[string][]byte{
		"page.html":  []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"),
		"run.exe":    append([]byte("MZ\x90\x00\x03"), make([]byte, 64)...),
		"big.txt":    bytes.Repeat([]byte("a"), int(svc.Limits().MaxAttachmentBytes)+1),
		"empty.pdf":  nil,
		"latin1.txt": []byte("caf\xe9 au lait"),
	} {
		if _, err := svc.Limits().CheckAttachment(name, b, c.Now()); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("%s accepted (%v)", name, err)
		}
	}
	// A closed grievance takes no more information.
	_, err = svc.Close(ctx, rc.ID, grievance.OutcomeNotUpheld, false, "", "officer")
	must(t, err)
	wantCode(t, svc.AddInformation(ctx, rc.Code, "more", nil), vigil.ECONFLICT)
	f, err = svc.Follow(ctx, rc.Code)
	must(t, err)
	if !f.Closed || f.Outcome != grievance.OutcomeNotUpheld {
		t.Fatalf("closed follow %+v", f)
	}
}

func testGrievanceDeadlines(t *testing.T, s vigil.Store, gs grievance.Store) {
	c := &clock{t: grievanceT0}
	svc := grievanceService(t, gs, c, false)
	submit := func(subject string) *grievance.Receipt {
		rc, err := svc.Submit(ctx, grievance.Submission{Subject: subject, Description: "d"})
		must(t, err)
		return rc
	}
	prompt := submit("prompt")
	c.Set(grievanceT0.Add(time.Hour))
	late := submit("late")
	c.Set(grievanceT0.Add(2 * time.Hour))
	closed := submit("closed early")

	overdueIDs := func(at time.Time) []string {
		pg, err := gs.ListGrievances(ctx, grievance.Query{Overdue: true, Now: at})
		must(t, err)
		var ids []string
		for _, g := range pg.Items {
			ids = append(ids, g.ID)
		}
		return ids
	}
	if ids := overdueIDs(grievanceT0.Add(7*24*time.Hour - time.Minute)); len(ids) != 0 {
		t.Fatalf("overdue before any deadline: %v", ids)
	}
	c.Set(grievanceT0.Add(24 * time.Hour))
	g, err := svc.Acknowledge(ctx, prompt.ID, "Received, thank you.", "officer")
	must(t, err)
	if g.AckLate || g.Status != grievance.StatusAcknowledged {
		t.Fatalf("acknowledged in time: %+v", g)
	}
	_, err = svc.Acknowledge(ctx, prompt.ID, "again", "officer")
	wantCode(t, err, vigil.ECONFLICT)
	_, err = svc.Close(ctx, closed.ID, grievance.OutcomeWithdrawn, false, "withdrawn by phone", "officer")
	must(t, err)

	// Eight days in: the second grievance missed its acknowledgement.
	c.Set(grievanceT0.Add(8 * 24 * time.Hour))
	if ids := overdueIDs(c.Now()); len(ids) != 1 || ids[0] != late.ID {
		t.Fatalf("overdue at day 8: %v, want [%s]", ids, late.ID)
	}
	rep, err := svc.Overdue(ctx)
	must(t, err)
	if len(rep.Grievances) != 1 || !rep.Grievances[0].Flags.AckOverdue || rep.Grievances[0].Flags.AnswerOverdue || !rep.Grievances[0].Due.Equal(late.AckDue) {
		t.Fatalf("overdue report %+v", rep.Grievances)
	}
	g, err = svc.Acknowledge(ctx, late.ID, "Sorry for the delay.", "officer")
	must(t, err)
	if !g.AckLate {
		t.Fatalf("an acknowledgement after the deadline is not flagged late: %+v", g)
	}
	if ids := overdueIDs(c.Now()); len(ids) != 0 {
		t.Fatalf("overdue after acknowledging: %v", ids)
	}
	c.Set(grievanceT0.Add(10 * 24 * time.Hour))
	g, err = svc.Answer(ctx, prompt.ID, "We restricted the service.", "officer")
	must(t, err)
	if g.AnswerLate || g.Status != grievance.StatusAnswered {
		t.Fatalf("answer in time %+v", g)
	}
	// Thirty-one days in: the second missed its answer too.
	c.Set(grievanceT0.Add(31 * 24 * time.Hour))
	rep, err = svc.Overdue(ctx)
	must(t, err)
	if len(rep.Grievances) != 1 || rep.Grievances[0].Grievance.ID != late.ID || !rep.Grievances[0].Flags.AnswerOverdue {
		t.Fatalf("overdue at day 31: %+v", rep.Grievances)
	}
	g, err = svc.Answer(ctx, late.ID, "Our answer.", "officer")
	must(t, err)
	if !g.AnswerLate {
		t.Fatalf("late answer not flagged: %+v", g)
	}
	_, err = svc.Close(ctx, prompt.ID, grievance.OutcomeUpheld, true, "", "officer")
	must(t, err)
	_, err = svc.Close(ctx, late.ID, grievance.OutcomeNotUpheld, false, "", "officer")
	must(t, err)
	_, err = svc.Close(ctx, late.ID, grievance.OutcomeNotUpheld, false, "", "officer")
	wantCode(t, err, vigil.ECONFLICT)
	_, err = svc.Close(ctx, prompt.ID, "made_up", false, "", "officer")
	wantCode(t, err, vigil.EINVALID)

	// Whether a deadline was met is in the event type, for the public log.
	for typ, want := range map[string]int{
		vigil.EventGrievanceReceived: 3, vigil.EventGrievanceAcknowledged: 1, vigil.EventGrievanceAcknowledgedLate: 1,
		vigil.EventGrievanceAnswered: 1, vigil.EventGrievanceAnsweredLate: 1, vigil.EventGrievanceClosed: 3,
	} {
		if n := countEvents(t, s, typ); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}
	evs, err := s.ListEvents(ctx, 0, 1000)
	must(t, err)
	for _, ev := range evs {
		if strings.Contains(string(ev.Payload), "Sorry for the delay") || strings.Contains(string(ev.Payload), "We restricted") {
			t.Errorf("event %s holds a message in clear: %s", ev.Type, ev.Payload)
		}
	}

	// Effectiveness over the period: acknowledged after 24 h and 167 h
	// (day 8 minus one hour), answered after 240 h and 743 h.
	fig, err := grievance.Effectiveness(ctx, gs, grievanceT0, grievanceT0.Add(24*time.Hour), c.Now())
	must(t, err)
	if fig.Received != 3 || fig.Anonymous != 3 || fig.Acknowledged != 2 || fig.AcknowledgedInTime != 1 || fig.Answered != 2 || fig.AnsweredInTime != 1 ||
		fig.Closed != 3 || fig.LedToAction != 1 || fig.Outcomes[grievance.OutcomeWithdrawn] != 1 || fig.AckOverdue != 0 {
		t.Fatalf("figures %+v", fig)
	}
	if fig.HoursToAck != (grievance.Quantiles{N: 2, Median: 24, P90: 191}) || fig.HoursToAnswer != (grievance.Quantiles{N: 2, Median: 240, P90: 743}) {
		t.Fatalf("durations ack %+v answer %+v", fig.HoursToAck, fig.HoursToAnswer)
	}
	if fig.ShareLedToAction < 0.333 || fig.ShareLedToAction > 0.334 {
		t.Fatalf("share led to action %v", fig.ShareLedToAction)
	}
	fig, err = grievance.Effectiveness(ctx, gs, grievanceT0.Add(3*time.Hour), grievanceT0.Add(48*time.Hour), c.Now())
	must(t, err)
	if fig.Received != 0 || fig.HoursToAck.N != 0 {
		t.Fatalf("figures of an empty period %+v", fig)
	}
}

func testGrievanceTriage(t *testing.T, s vigil.Store, gs grievance.Store) {
	seed(t, s)
	c := &clock{t: grievanceT0}
	svc := grievanceService(t, gs, c, false)
	var ids []string
	for i := range 3 {
		c.Set(grievanceT0.Add(time.Duration(i) * time.Minute))
		rc, err := svc.Submit(ctx, grievance.Submission{Subject: fmt.Sprintf("g%d", i), Description: "d"})
		must(t, err)
		ids = append(ids, rc.ID)
	}
	g, err := svc.Triage(ctx, ids[1], grievance.Triage{PartyIDs: []string{"P2, P2"}, SubscriptionIDs: []string{"S1"}, CaseIDs: []string{"C-17"}, Note: "linked to the unit"}, "officer")
	must(t, err)
	if fmt.Sprint(g.PartyIDs, g.SubscriptionIDs, g.CaseIDs) != "[P2] [S1] [C-17]" || g.TriageNote != "linked to the unit" {
		t.Fatalf("triaged %+v", g)
	}
	_, err = svc.Triage(ctx, ids[0], grievance.Triage{PartyIDs: []string{"NOPE"}}, "officer")
	wantCode(t, err, vigil.EINVALID)
	_, err = svc.Triage(ctx, "G-none", grievance.Triage{}, "officer")
	wantCode(t, err, vigil.ENOTFOUND)
	if n := countEvents(t, s, vigil.EventGrievanceTriaged); n != 1 {
		t.Fatalf("%d triaged events, want 1", n)
	}
	pg, err := gs.ListGrievances(ctx, grievance.Query{PartyID: "P2"})
	must(t, err)
	if len(pg.Items) != 1 || pg.Items[0].ID != ids[1] {
		t.Fatalf("by party: %+v", pg.Items)
	}
	// Newest first, one page at a time.
	var seen []string
	after := ""
	for {
		pg, err := gs.ListGrievances(ctx, grievance.Query{Limit: 2, After: after})
		must(t, err)
		for _, g := range pg.Items {
			seen = append(seen, g.ID)
		}
		if pg.Next == "" {
			break
		}
		after = pg.Next
	}
	if fmt.Sprint(seen) != fmt.Sprint([]string{ids[2], ids[1], ids[0]}) {
		t.Fatalf("pages %v, want newest first %v", seen, ids)
	}
	_, err = gs.ListGrievances(ctx, grievance.Query{Limit: 5000})
	wantCode(t, err, vigil.EINVALID)
	_, err = gs.ListGrievances(ctx, grievance.Query{Status: "pending"})
	wantCode(t, err, vigil.EINVALID)
}

func testEngagement(t *testing.T, s vigil.Store, gs grievance.Store) {
	seed(t, s)
	c := &clock{t: grievanceT0}
	svc := grievanceService(t, gs, c, false)
	e := &grievance.Engagement{Kind: grievance.EngagementLetterIn, StakeholderType: grievance.StakeholderCivilSociety,
		Stakeholders: "Six human-rights organisations", Date: day("2026-10-30"), Asked: "Suspend speech-to-text for the unit", PartyIDs: []string{"P2"}}
	must(t, svc.RecordEngagement(ctx, e, "officer"))
	wantCode(t, svc.RecordEngagement(ctx, &grievance.Engagement{Kind: "fax", StakeholderType: grievance.StakeholderUnion, Stakeholders: "x", Date: day("2026-10-30"), Asked: "y"}, "officer"), vigil.EINVALID)
	wantCode(t, svc.RecordEngagement(ctx, &grievance.Engagement{Kind: grievance.EngagementMeeting, StakeholderType: grievance.StakeholderUnion, Stakeholders: "x", Date: day("2026-10-30"), Asked: "y", PartyIDs: []string{"NOPE"}}, "officer"), vigil.EINVALID)
	got, err := gs.GetEngagement(ctx, e.ID)
	must(t, err)
	if got.Stakeholders != e.Stakeholders || !got.Date.Equal(e.Date.Time) || got.RecordedBy != "officer" {
		t.Fatalf("engagement %+v", got)
	}
	kept, err := svc.Promise(ctx, e.ID, "Answer in writing", day("2026-11-05"), "officer")
	must(t, err)
	missed, err := svc.Promise(ctx, e.ID, "Publish the review", day("2026-11-10"), "officer")
	must(t, err)
	_, err = svc.Promise(ctx, "E-none", "x", day("2026-11-10"), "officer")
	wantCode(t, err, vigil.ENOTFOUND)

	c.Set(time.Date(2026, 11, 5, 23, 0, 0, 0, time.UTC))
	p, err := svc.AnswerPromise(ctx, kept.ID, "Letter sent", "officer")
	must(t, err)
	if p.Late {
		t.Fatalf("answered on the due day but flagged late: %+v", p)
	}
	// The day after the due date, the second promise is overdue: listed,
	// and marked once in the log.
	c.Set(time.Date(2026, 11, 11, 8, 0, 0, 0, time.UTC))
	rep, err := svc.Overdue(ctx)
	must(t, err)
	if len(rep.Promises) != 1 || rep.Promises[0].Promise.ID != missed.ID || rep.Promises[0].Engagement.ID != e.ID {
		t.Fatalf("overdue promises %+v", rep.Promises)
	}
	marked, err := gs.MarkOverduePromises(ctx, c.Now(), "system")
	must(t, err)
	if len(marked) != 1 || marked[0].ID != missed.ID {
		t.Fatalf("marked %+v", marked)
	}
	marked, err = gs.MarkOverduePromises(ctx, c.Now(), "system")
	must(t, err)
	if len(marked) != 0 {
		t.Fatalf("marked twice: %+v", marked)
	}
	p, err = svc.AnswerPromise(ctx, missed.ID, "Published late", "officer")
	must(t, err)
	if !p.Late {
		t.Fatalf("a late answer is not flagged: %+v", p)
	}
	_, err = svc.AnswerPromise(ctx, missed.ID, "again", "officer")
	wantCode(t, err, vigil.ECONFLICT)
	rep, err = svc.Overdue(ctx)
	must(t, err)
	if len(rep.Promises) != 0 {
		t.Fatalf("overdue after answering: %+v", rep.Promises)
	}
	for typ, want := range map[string]int{vigil.EventEngagementRecorded: 1, vigil.EventEngagementPromised: 2, vigil.EventEngagementKept: 1,
		vigil.EventEngagementKeptLate: 1, vigil.EventEngagementPromiseOpen: 1} {
		if n := countEvents(t, s, typ); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}
	list, err := gs.ListEngagements(ctx, grievance.EngagementQuery{PartyID: "P2"})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("engagements of P2: %d", len(list))
	}
	ps, err := gs.ListPromises(ctx, grievance.PromiseQuery{EngagementID: e.ID})
	must(t, err)
	if len(ps) != 2 || ps[0].ID != kept.ID {
		t.Fatalf("promises %+v", ps)
	}
}
