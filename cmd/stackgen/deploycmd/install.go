package deploycmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/internal/msg"
)

// secrets makes the values of the stack's secret keys: generated with the
// factory's CSPRNG, or, on a terminal when the user says so, typed in.
func (o *Options) secrets(man *bundle.Manifest) (map[string]string, error) {
	rnd := io.Reader(nil)
	if o.Factory != nil {
		rnd = o.Factory.Rand
	}
	generated, err := bundle.GenerateSecrets(man, rnd)
	if err != nil {
		return nil, err
	}
	if len(generated) == 0 || o.Yes || !o.IO.CanPrompt() || o.Factory == nil || o.Factory.Prompter == nil {
		return generated, nil
	}
	keys := bundle.SortedKeys(generated)
	pr := o.Factory.Prompter()
	gen, err := pr.Confirm(fmt.Sprintf("The bundle has no .env. Generate new secrets for %s?", strings.Join(keys, ", ")),
		"Yes for a fresh install. No to type the values in, e.g. to reuse the passwords of existing database volumes.", true)
	if err != nil {
		return nil, err
	}
	if gen {
		return generated, nil
	}
	out := map[string]string{}
	for _, k := range keys {
		v, err := pr.Input(k, "Leave empty to generate one.", "", func(s string) error {
			if s != "" && len(s) < 16 {
				return msg.Err("deploy.err.secret-short")
			}
			if strings.ContainsAny(s, "\n\r'\"$ ") {
				return msg.Err("deploy.err.secret-chars")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if v == "" {
			v = generated[k]
		}
		out[k] = v
	}
	return out, nil
}
