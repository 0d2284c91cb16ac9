// Package tlog is Vigil's proof log: an append-only, publicly verifiable
// transparency log of every due-diligence event, so that an auditor, a
// regulator or an NGO can check that a decision was recorded on a given date
// and never changed or removed, without seeing confidential content.
//
// The log is a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles) with signed
// C2SP tlog-checkpoint checkpoints (Ed25519 signed notes), written by
// github.com/transparency-dev/tessera. Vigil does not build its own Merkle
// tree: tessera sequences and integrates entries, transparency-dev/merkle
// proves and verifies.
//
// A log entry is a Leaf: the event's salted commitment, its type and its
// time. The event itself and its salt stay in the database; handing both to
// an auditor (a ProofBundle) proves the entry without publishing anything
// else.
//
// Events reach the log through the store's outbox: every state-changing store
// method writes its event in the same database transaction as the change, and
// a Relay appends pending events to the log in bulk and marks them logged.
// The relay recovers from a crash between the append and the mark by
// matching the log's tail against pending commitments, so an event is never
// lost and never logged twice.
package tlog
