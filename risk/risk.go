// Package risk assesses the human-rights risk of every relationship of a
// provider (an account and the end user it serves, through any resellers)
// the way the UN Guiding Principles ask: red flags found on facts, impacts
// scored by scale, scope and irremediability, then likelihood, the most
// severe first, and a response chosen by the provider's involvement and
// leverage. The red flags and every constant of the scoring are a policy
// file (CEL in YAML, package policy) that a provider can edit; Vigil ships
// a default grounded in the frameworks (default.yaml, docs/policy.md).
//
// Every assessment carries its explanation (flags, facts, evidence, each
// number's derivation, policy version) and is stored as a new version when
// it changes; a change of tier is an event in the outbox, in the same
// transaction. When a fact changes, only the relationships that depend on
// it are assessed again.
package risk
