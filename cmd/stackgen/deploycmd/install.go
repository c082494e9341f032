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
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

func installRun(ctx context.Context, o *Options) error {
	ios := o.IO
	st, err := os.Stat(o.Bundle)
	if err != nil {
		return fmt.Errorf("cannot read the bundle: %w", err)
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory: pass the bundle file (.zip or .tar.gz); an unpacked bundle starts with its load-and-start script", o.Bundle)
	}

	// 1. Every file against the manifest, before anything is loaded.
	var checked bundle.Counter
	m := o.startMeter("verifying", st.Size(), &checked, "checked", nil, "")
	v, err := bundle.Verify(o.Bundle, &checked)
	m.stop(err == nil)
	if err != nil {
		return err
	}
	defer v.Close()
	man := v.Manifest
	fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.verified", msg.Args{"Bundle": o.Bundle, "Project": man.Project, "Stack": orDash(man.Stack), "Images": len(man.Images), "Files": len(man.Files), "Version": man.StackgenVersion, "Created": man.Created.Format("2006-01-02 15:04 MST")}))

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
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.loaded", msg.Args{"Count": len(man.Images), "Names": imageNames(man.Images)}))
	}

	// 3. The files and .env, written as one transaction: all or none.
	if err := writeSet(target, set); err != nil {
		return err
	}
	fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.wrote", msg.Args{"Count": len(set), "Dir": target}))
	if fresh != "" {
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.env", msg.Args{"Path": filepath.Join(target, ".env"), "Keys": fresh}))
	}

	// 5. Start it as `stackgen up` does.
	if o.NoUp {
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.no-up", msg.Args{"Dir": target}))
		return nil
	}
	if o.Up == nil {
		return errors.New("internal error: no up function")
	}
	if o.Swarm {
		// Without a registry every node needs the images itself.
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.swarm-node", msg.Args{"Bundle": filepath.Base(o.Bundle)}))
	}
	return o.Up(ctx, target, o)
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
