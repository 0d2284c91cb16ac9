package postgres

// SetImportSizes makes imports use small batches and defer indexes early,
// so tests cover several batches and the index rebuild with few rows. It
// returns the function that restores the defaults.
func SetImportSizes(batch int, deferAfter int64) (restore func()) {
	b, d := importBatch, deferIndexesAfter
	importBatch, deferIndexesAfter = batch, deferAfter
	return func() { importBatch, deferIndexesAfter = b, d }
}
