package stack

import (
	"encoding/base64"
	"io"

	"github.com/stackgen/stackgen/internal/msg"
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
		for draw := 1; ; draw++ {
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, msg.Err("stack.err.secret-read", msg.Args{"Key": s.Key, "Err": err})
			}
			out[s.Key] = base64.RawURLEncoding.EncodeToString(b)
			if !s.Mixed || mixed(out[s.Key]) {
				break
			}
			// A random source draws a mixed value within a few tries;
			// one that never does is not random (a stuck device, a
			// constant stream): say so instead of looping forever.
			if draw == 64 {
				return nil, msg.Err("stack.err.secret-not-random", msg.Args{"Key": s.Key})

			}
		}
	}
	return out, nil
}

// SecretsFor are the secrets .env holds for these answers.
func (d *Definition) SecretsFor(a Answers) []Secret {
	var out []Secret
	for _, s := range d.Secrets {
		if s.When == nil || s.When(a) {
			out = append(out, s)
		}
	}
	return out
}

// mixed reports whether v holds an upper- and a lower-case ASCII letter, a
// digit and a symbol (base64url's - or _). For 32 random bytes about one
// draw in four lacks a symbol, so a second draw is rare and a tenth is
// practically impossible.
func mixed(v string) bool {
	var upper, lower, digit, symbol bool
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		default:
			symbol = true
		}
	}
	return upper && lower && digit && symbol
}
