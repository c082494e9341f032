package stack

import (
	"encoding/base64"
	"fmt"
	"io"
)

// GenerateSecrets makes every secret of d from r (crypto/rand in use, a
// fixed stream in golden tests), keeping values in keep: re-rendering a
// deployed project must not change the database password under it.
func (d *Definition) GenerateSecrets(r io.Reader, keep map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range d.Secrets {
		if v, ok := keep[s.Key]; ok && v != "" {
			out[s.Key] = v
			continue
		}
		n := s.Bytes
		if n < 24 {
			n = 24
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("generating %s: %w", s.Key, err)
		}
		out[s.Key] = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}
