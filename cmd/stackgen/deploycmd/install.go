package deploycmd

import (
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
	gen, err := pr.Confirm(o.IO.L.T("deploy.confirm.generate", msg.Args{"Keys": strings.Join(keys, ", ")}),
		o.IO.L.T("deploy.confirm.generate-help"), true)
	if err != nil {
		return nil, err
	}
	if gen {
		return generated, nil
	}
	out := map[string]string{}
	for _, k := range keys {
		v, err := pr.Input(k, o.IO.L.T("deploy.input.secret-help"), "", func(s string) error {
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
