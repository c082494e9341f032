//go:build !unix

package atomicfile

// Windows cannot open a folder for syncing; its renames are durable enough.
func dirSyncUnsupported(error) bool { return true }
