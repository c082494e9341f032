//go:build !unix

package doctorcmd

import "github.com/stackgen/stackgen/internal/msg"

func freeBytes(path string) (uint64, error) {
	return 0, msg.Err("doctor.err.disk-unmeasurable")
}
