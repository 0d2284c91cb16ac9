package postgres

import "testing"

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT id FROM t WHERE a = ? AND b IN (?, ?)", "SELECT id FROM t WHERE a = $1 AND b IN ($2, $3)"},
		{`SELECT * FROM t WHERE name LIKE ? ESCAPE '\' AND x = ?`, `SELECT * FROM t WHERE name LIKE $1 ESCAPE '\' AND x = $2`},
		{"SELECT '?', 'it''s ?', ?", "SELECT '?', 'it''s ?', $1"},
		{`SELECT E'\'?', ?`, `SELECT E'\'?', $1`},
		{`SELECT "odd?col" FROM t WHERE a = ?`, `SELECT "odd?col" FROM t WHERE a = $1`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"SELECT /* a /* nested? */ ? */ ?", "SELECT /* a /* nested? */ ? */ $1"},
		{"SELECT $$what?$$, $x$ ? $x$, ?", "SELECT $$what?$$, $x$ ? $x$, $1"},
		{"SELECT ?, 'unterminated ?", "SELECT $1, 'unterminated ?"},
		{"SELECT a$b, ?", "SELECT a$b, $1"},
	} {
		if got := Rebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
