//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

func dirSyncUnsupported(err error) bool { return errors.Is(err, syscall.EINVAL) }
