// Package hugepages asks the operating system to back the process's
// memory with huge pages (2 MiB on x86-64 Linux) once a large, long-lived,
// randomly read structure such as a screening index has been built.
//
// Screening a party reads a few thousand scattered words of the index. With
// 4 KiB pages nearly every such read needs an address translation that is
// not cached, and on a virtual machine each miss walks two page tables; on
// the reference machine that was a fifth to a quarter of the CPU time of a
// query. Huge pages cover the same memory with 512 times fewer
// translations.
//
// Most Linux systems ship transparent huge pages in "madvise" mode, where
// a process must ask for them; Go's runtime does not. Advise asks for them
// on the anonymous mappings the process holds (the Go heap among them) and
// collapses what is already resident. The contents do not change, so the
// call is safe at any time; on other systems, or when the kernel refuses,
// it does nothing and says so in its Stats.
package hugepages

// Stats says what Advise did.
type Stats struct {
	Advised   int64 // bytes of anonymous memory marked for huge pages
	Collapsed int64 // bytes now backed by huge pages after collapsing
	Failed    int64 // bytes the kernel would not advise or collapse (skipped)
	Err       error // why nothing was done, when the system refused outright
}
