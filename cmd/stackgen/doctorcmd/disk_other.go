//go:build !unix

package doctorcmd

import "errors"

func freeBytes(path string) (uint64, error) {
	return 0, errors.New("not measurable on this system")
}
