package bundle

// Update bundles (deploy --package --since OLD): the second delivery to a
// host carries only the layers the first lacked. The image archive stays
// the engine's own save format with those layers' files left out, so
// `docker load` on a host that has them still works: the classic store
// loads a layer file only when the layer (by chain ID) is not there yet.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// errStop ends a Walk early once the manifest is read.
var errStop = errors.New("stop")

// ReadManifest reads the manifest of the older bundle at path: a bundle
// (.zip, .tar.gz) or its stackgen-bundle.json. It must list its images'
// layers (stackgen from issue 18 on); the bundle's other files are not
// checked here, only what it says it carried.
func ReadManifest(path string) (*Manifest, error) {
	b, err := readManifestBytes(path)
	if err != nil {
		return nil, msg.Err("bundle.err.since", msg.Args{"File": path, "Err": err})
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, msg.Err("bundle.err.since", msg.Args{"File": path, "Err": err})
	}
	if m.Update != nil {
		return nil, msg.Err("bundle.err.since-update", msg.Args{"File": path})
	}
	for _, im := range m.Images {
		if len(im.Layers) == 0 {
			return nil, msg.Err("bundle.err.since-layers", msg.Args{"File": path, "Image": im.Name})
		}
	}
	return m, nil
}

func readManifestBytes(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 1)
	n, _ := f.Read(head)
	if n == 1 && (head[0] == '{' || head[0] == ' ' || head[0] == '\n') {
		defer f.Close()
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return readAllLimit(f, maxManifestSize)
	}
	f.Close()
	ar, _, err := openArchive(path)
	if err != nil {
		return nil, err
	}
	defer ar.Close()
	if z, ok := ar.(*zipReader); ok {
		b, found, err := z.manifest()
		if !found {
			return nil, msg.Err("bundle.err.no-manifest", msg.Args{"Manifest": ManifestName})
		}
		return b, err
	}
	var b []byte
	err = ar.Walk(func(name string, _ int64, r io.Reader) error {
		if name != ManifestName {
			_, err := io.Copy(io.Discard, r)
			return err
		}
		var err error
		if b, err = readAllLimit(r, maxManifestSize); err != nil {
			return err
		}
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if b == nil {
		return nil, msg.Err("bundle.err.no-manifest", msg.Args{"Manifest": ManifestName})
	}
	return b, nil
}

// MissingLayers checks an update bundle's required layers against the
// chain IDs the target's engine has, and returns one line per missing
// layer (naming the image that needs it), or nil when all are there.
func MissingLayers(m *Manifest, have map[string]bool) []string {
	if m.Update == nil {
		return nil
	}
	var out []string
	for _, l := range m.Update.Requires {
		if !have[l.ChainID] {
			out = append(out, fmt.Sprintf("image %s: layer %s (chain %s) is not in this engine", l.Image, short(l.DiffID), short(l.ChainID)))
		}
	}
	return out
}

// MissingError is an update bundle refused because the host lacks layers.
type MissingError struct {
	Bundle  string
	Lines   []string
	Since   string
	Created string
}

func (e *MissingError) Error() string {
	var b strings.Builder
	en := msg.English()
	b.WriteString(en.T("bundle.update.missing", msg.Args{"Bundle": e.Bundle, "Count": len(e.Lines)}) + "\n")
	for _, l := range e.Lines {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString(en.T("bundle.update.how", msg.Args{"Since": e.Since, "Created": e.Created}))
	return b.String()
}

func short(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
