package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// CopyIn runs stmt, a COPY ... FROM STDIN, inside the transaction open on
// conn, sending what r yields as the server takes it. The usage ingest
// (internal/sqlstore/usage.go) encodes records into binary COPY rows
// itself and reads its source from within r.Read: pgconn calls Read on a
// goroutine of its own while the server inserts the rows sent before, so
// decoding and encoding on this side overlap the server's work instead of
// preceding it, and no row becomes a slice of interface values first.
func (dialect) CopyIn(ctx context.Context, conn *sql.Conn, stmt string, r io.Reader) (int64, error) {
	var n int64
	err := withPgx(conn, func(c *pgx.Conn) error {
		tag, err := c.PgConn().CopyFrom(ctx, r, stmt)
		n = tag.RowsAffected()
		if err != nil {
			return fmt.Errorf("copy in: %w", err)
		}
		return nil
	})
	return n, err
}
