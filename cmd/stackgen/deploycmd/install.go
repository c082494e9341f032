package deploycmd

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stackgen/stackgen/bundle"
	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

func installRun(ctx context.Context, o *Options) error {
	ios := o.IO
	st, err := os.Stat(o.Bundle)
	if err != nil {
		if first := bundle.PartName(o.Bundle, 1); errors.Is(err, os.ErrNotExist) {
			if _, e := os.Stat(first); e == nil {
				return fmt.Errorf("%s does not exist, but its parts do: pass the first part, --bundle %s", o.Bundle, first)
			}
		}
		return fmt.Errorf("cannot read the bundle: %w", err)
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory: pass the bundle file (.zip or .tar.gz); an unpacked bundle starts with its load-and-start script", o.Bundle)
	}

	trust, err := o.trust()
	if err != nil {
		return err
	}

	// 1. Every file against the manifest, before anything is loaded.
	var checked bundle.Counter
	m := o.startMeter("verifying", bundle.VerifySize(o.Bundle), &checked, "checked", nil, "")
	v, err := bundle.Verify(o.Bundle, &checked)
	m.stop(err == nil)
	if err != nil {
		return err
	}
	defer v.Close()
	sc, err := bundle.CheckSignature(v, trust)
	if err != nil {
		return err
	}
	if sc.Warning != "" {
		fmt.Fprintln(ios.ErrOut, "warning:", sc.Warning)
	} else if sc.Verified {
		fmt.Fprintf(ios.ErrOut, "Signature checked: signed by key %s (%s)\n", sc.KeyID, trust.Source)
	}
	man := v.Manifest
	fmt.Fprintf(ios.ErrOut, "Bundle %s verified: %s (stack %s), %d images, %d files, made by stackgen %s on %s\n",
		o.Bundle, man.Project, orDash(man.Stack), len(man.Images), len(man.Files), man.StackgenVersion, man.Created.Format("2006-01-02 15:04 MST"))

	target := o.TargetDir
	if target == "" {
		target = man.Project
	}
	if err := bundle.CheckTargetDir(target); err != nil {
		return err
	}
	// The project's files, in hand and judged before anything is loaded:
	// a bundle made elsewhere runs what its compose files say.
	set, err := bundle.ProjectSet(v)
	if err != nil {
		return err
	}
	// .env: the bundle's (--include-env), else fresh secrets. Made now, so
	// the project is judged as it will run (its compose files may require
	// the secrets).
	fresh := ""
	if _, ok := set.Get(".env"); !ok {
		secrets, err := o.secrets(man)
		if err != nil {
			return err
		}
		example, _ := set.Get(".env.example")
		set = append(set, fileset.File{Path: ".env", Mode: 0o600, Content: bundle.EnvFromExample(example.Content, secrets)})
		set.Sort()
		fresh = strings.Join(sortedKeys(secrets), ", ")
	}
	if err := checkBundleProject(ios.ErrOut, o.Bundle, set, o.AllowPrivileged); err != nil {
		return err
	}

	eng, err := o.Engine()
	if err != nil {
		return err
	}
	ver, err := eng.Check(ctx)
	if err != nil {
		return err
	}
	if man.Platform != "" && ver.OS+"/"+ver.Arch != man.Platform {
		return fmt.Errorf("this engine runs %s/%s but the bundle's images are %s: install it on a host of the same kind (Docker Desktop: switch to Linux containers)", ver.OS, ver.Arch, man.Platform)
	}
	if !o.NoUp {
		if _, err := eng.ComposeVersion(ctx); err != nil {
			return err
		}
	}

	// 2. The images: decompressed here, streamed to the engine as plain tar.
	if len(man.Images) > 0 {
		var sent, read bundle.Counter
		m := o.startMeter("loading images", man.ImageTarSize, &sent, "sent to the engine", &read, "read")
		_, err := bundle.LoadImages(ctx, v, eng, &bundle.Progress{Read: &sent, Written: &read})
		m.stop(err == nil)
		if err != nil {
			return err
		}
		for _, im := range man.Images {
			info, err := eng.ImageInfo(ctx, im.Name)
			if err != nil {
				return fmt.Errorf("after loading: %w", err)
			}
			if info.ID != im.ID {
				return fmt.Errorf("after loading, image %s is %s in the engine but the bundle recorded %s", im.Name, info.ID, im.ID)
			}
		}
		fmt.Fprintf(ios.ErrOut, "Loaded %d images: %s\n", len(man.Images), imageNames(man.Images))
	}

	// 3. The files and .env, written as one transaction: all or none.
	if err := writeSet(target, set); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "Wrote %d files into %s\n", len(set), target)
	if fresh != "" {
		fmt.Fprintf(ios.ErrOut, "Wrote %s (mode 0600) with fresh secrets for %s: keep it, the databases are initialised with them\n", filepath.Join(target, ".env"), fresh)
	}

	// 5. Start it as `stackgen up` does.
	if o.NoUp {
		fmt.Fprintf(ios.ErrOut, "Installed into %s; start it with 'stackgen up --no-build %s'\n", target, target)
		return nil
	}
	if o.Up == nil {
		return errors.New("internal error: no up function")
	}
	if o.Swarm {
		// Without a registry every node needs the images itself.
		fmt.Fprintf(ios.ErrOut, "The images are loaded on this node only: on every other node of the swarm run 'stackgen deploy --bundle %s --no-up' (or docker load the images), or push them to the cluster's registry, before Swarm places tasks there.\n", filepath.Base(o.Bundle))
	}
	return o.Up(ctx, target, o)
}

// trust is what the install demands of the bundle's signature: the keys
// of --verify-key, and the rules of the .stackgen.yml in the directory the
// install runs from (the project already on this host, or a folder
// holding only that rule): never the bundle's own, which its maker wrote.
func (o *Options) trust() (bundle.Trust, error) {
	var t bundle.Trust
	var from []string
	dir := o.TrustDir
	if dir == "" {
		dir = "."
	}
	for _, k := range o.VerifyKeys {
		pk, err := bundle.LoadPublicKey(k, ".")
		if err != nil {
			return t, &cmdutil.FlagError{Err: fmt.Errorf("--verify-key %w", err)}
		}
		t.Keys = append(t.Keys, pk)
	}
	if len(o.VerifyKeys) > 0 {
		from = append(from, "--verify-key")
	}
	bs, err := project.LoadBundleSettings(dir)
	if err != nil {
		return t, err
	}
	if bs != nil && (bs.RequireSignature || len(bs.TrustedKeys) > 0) {
		for _, k := range bs.TrustedKeys {
			pk, err := bundle.LoadPublicKey(k, dir)
			if err != nil {
				return t, fmt.Errorf("%s: bundle.trusted_keys: %w", filepath.Join(dir, project.ManifestName), err)
			}
			t.Keys = append(t.Keys, pk)
		}
		t.Required = bs.RequireSignature
		from = append(from, project.ManifestName+" (bundle)")
	}
	t.Source = strings.Join(from, " and ")
	return t, nil
}

// writeSet writes the installed project as one transaction under the
// project's lock.
func writeSet(dir string, set fileset.Set) error {
	tx, err := project.Begin(dir)
	if err != nil {
		return err
	}
	defer tx.Close()
	if err := tx.WriteSet(set); err != nil {
		return err
	}
	return tx.Close()
}

// checkBundleProject runs stackgen validate's rules on the bundle's
// project, and refuses what hands a container the host (privileged,
// network_mode: host, the host's root or the Docker socket mounted) unless
// allowed. Warnings are printed; nothing has been loaded or written yet.
func checkBundleProject(w io.Writer, bundlePath string, set fileset.Set, allowPrivileged bool) error {
	findings := validate.Files(set)
	host := validate.HostAccess(set)
	for _, f := range append(findings, host...) {
		fmt.Fprintf(w, "%s: %s\n", bundlePath, f)
	}
	if validate.HasErrors(findings) {
		return fmt.Errorf("%s: the bundle's project fails validation (the errors above); nothing was loaded or written: fix the project on the build host and package it again", bundlePath)
	}
	if len(host) > 0 && !allowPrivileged {
		return fmt.Errorf("%s: %s: %s; nothing was loaded or written: pass --allow-privileged if you trust the bundle with the host", bundlePath, host[0].File, host[0].Message)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func imageNames(images []bundle.Image) string {
	var names []string
	for _, im := range images {
		names = append(names, im.Name)
	}
	return strings.Join(names, ", ")
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// secrets makes the values of the stack's secret keys: generated with the
// factory's CSPRNG, or, on a terminal when the user says so, typed in.
func (o *Options) secrets(man *bundle.Manifest) (map[string]string, error) {
	rnd := io.Reader(nil)
	if o.Factory != nil {
		rnd = o.Factory.Rand
	}
	if rnd == nil {
		return nil, errors.New("internal error: no random source")
	}
	var generated map[string]string
	if def, err := stacks.Registry().Lookup(man.Stack); err == nil && man.Stack != "" {
		generated, err = def.GenerateSecrets(rnd, nil)
		if err != nil {
			return nil, err
		}
	} else {
		generated = map[string]string{}
		for _, k := range man.SecretKeys {
			b := make([]byte, 32)
			if _, err := io.ReadFull(rnd, b); err != nil {
				return nil, fmt.Errorf("generating %s: %w", k, err)
			}
			generated[k] = base64.RawURLEncoding.EncodeToString(b)
		}
	}
	if len(generated) == 0 || o.Yes || !o.IO.CanPrompt() || o.Factory == nil || o.Factory.Prompter == nil {
		return generated, nil
	}
	keys := sortedKeys(generated)
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
				return errors.New("use at least 16 characters, or leave it empty to generate one")
			}
			if strings.ContainsAny(s, "\n\r'\"$ ") {
				return errors.New("quotes, '$', spaces and line breaks are not allowed in .env values")
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
