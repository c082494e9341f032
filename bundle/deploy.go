package bundle

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

	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/progress"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/sign"
	"github.com/stackgen/stackgen/stacks"
	"github.com/stackgen/stackgen/validate"
)

// InstallOptions are Install's inputs: deploy --bundle's flags, and the
// two steps the command supplies.
type InstallOptions struct {
	// Sink receives the progress and the report.
	Sink progress.Sink
	// Progress is auto, tty, plain or quiet.
	Progress string
	Engine   func() (*engine.Client, error)

	Bundle    string
	TargetDir string
	NoUp      bool
	// Swarm: the stack is started on this engine's swarm (a note says the
	// other nodes need the images).
	Swarm bool
	// AllowPrivileged lets a bundle's services have the host (privileged,
	// host network, the host's root or the Docker socket mounted).
	AllowPrivileged bool
	// VerifyKeys (--verify-key): one of them must have signed the bundle.
	// TrustDir holds the .stackgen.yml whose bundle rules apply ("" is
	// the current directory; LoadTrust).
	VerifyKeys []*sign.PublicKey
	TrustDir   string

	// Secrets makes the values of the stack's secret keys when the bundle
	// has no .env (GenerateSecrets, or typed in at a prompt).
	Secrets func(*Manifest) (map[string]string, error)
	// Start starts the installed project in dir (lifecycle.Up without a
	// build: the images came in the bundle).
	Start func(ctx context.Context, dir string) error
}

// Install verifies a bundle, judges its project, loads its images, writes
// its files and a .env, and starts it, as `stackgen deploy --bundle` does.
func Install(ctx context.Context, o InstallOptions) error {
	ios := o.Sink
	mode, err := progress.Resolve(o.Progress, ios.TTY)
	if err != nil {
		return err
	}
	st, err := os.Stat(o.Bundle)
	if err != nil {
		if first := PartName(o.Bundle, 1); errors.Is(err, os.ErrNotExist) {
			if _, e := os.Stat(first); e == nil {
				return msg.Err("bundle.err.parts-only", msg.Args{"Bundle": o.Bundle, "First": first})
			}
		}
		return msg.Err("bundle.err.read-bundle", msg.Args{"Err": err})
	}
	if st.IsDir() {
		return msg.Err("bundle.err.bundle-dir", msg.Args{"Bundle": o.Bundle})
	}

	// 1. Every file against the manifest, before anything is loaded.
	trust, err := LoadTrust(o.VerifyKeys, o.TrustDir)
	if err != nil {
		return err
	}
	var checked Counter
	m := progress.StartMeter(mode, ios.ErrOut, 0, progress.MeterSpec{Label: ios.L.T("progress.label.verifying"), Total: VerifySize(o.Bundle), Main: &checked, MainName: ios.L.T("progress.name.checked"), L: ios.L})
	v, err := Verify(o.Bundle, &checked)
	m.Stop(err == nil)
	if err != nil {
		return err
	}
	defer v.Close()
	sc, err := CheckSignature(v, trust)
	if err != nil {
		return err
	}
	if sc.Warning != nil {
		fmt.Fprintln(ios.ErrOut, ios.L.T("status.warning", msg.Args{"Text": sc.Warning}))
	} else if sc.Verified {
		fmt.Fprintln(ios.ErrOut, ios.L.T("bundle.signature.checked", msg.Args{"Key": sc.KeyID, "Source": fmt.Sprint(trust.Source)}))
	}
	man := v.Manifest
	fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.verified", msg.Args{"Bundle": o.Bundle, "Project": man.Project, "Stack": orDash(man.Stack), "Images": len(man.Images), "Files": len(man.Files), "Version": man.StackgenVersion, "Created": man.Created.Format("2006-01-02 15:04 MST")}))

	target := o.TargetDir
	if target == "" {
		target = man.Project
	}
	if err := CheckTargetDir(target); err != nil {
		return err
	}
	// The project's files, in hand and judged before anything is loaded:
	// a bundle made elsewhere runs what its compose files say.
	set, err := ProjectSet(v)
	if err != nil {
		return err
	}
	// .env: the bundle's (--include-env), else fresh secrets. Made now, so
	// the project is judged as it will run (its compose files may require
	// the secrets).
	// A compose project that is not stackgen's may have neither secrets
	// nor an example: then it gets no .env (an empty one would only be a
	// file validate asks to keep out of git).
	fresh := ""
	_, hasEnv := set.Get(".env")
	example, hasExample := set.Get(".env.example")
	if !hasEnv && (hasExample || len(man.SecretKeys) > 0) {
		if o.Secrets == nil {
			return errors.New("internal error: no secrets function")
		}
		secrets, err := o.Secrets(man)
		if err != nil {
			return err
		}
		set = append(set, fileset.File{Path: ".env", Mode: 0o600, Content: EnvFromExample(example.Content, secrets)})
		set.Sort()
		fresh = strings.Join(SortedKeys(secrets), ", ")
	}
	if err := CheckProject(ios.ErrOut, ios.L, o.Bundle, set, o.AllowPrivileged); err != nil {
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
		return msg.Err("bundle.err.platform", msg.Args{"OS": ver.OS, "Arch": ver.Arch, "Platform": man.Platform})
	}
	if !o.NoUp {
		if _, err := eng.ComposeVersion(ctx); err != nil {
			return err
		}
	}
	// An update bundle lacks layers the host must have: checked before
	// anything is loaded or written.
	if man.Update != nil {
		have, err := eng.LayerChains(ctx)
		if err != nil {
			return err
		}
		if lines := MissingLayers(man, have); len(lines) > 0 {
			return &MissingError{Bundle: o.Bundle, Lines: lines, Since: man.Update.SinceProject, Created: man.Update.SinceCreated.Format("2006-01-02 15:04 MST")}
		}
	}

	// 2. The images: decompressed here, streamed to the engine as plain tar.
	if len(man.Images) > 0 {
		var sent, read Counter
		m := progress.StartMeter(mode, ios.ErrOut, 0, progress.MeterSpec{Label: ios.L.T("progress.label.loading"), Total: man.ImageTarSize, Main: &sent, MainName: ios.L.T("progress.name.sent"), Side: &read, SideName: ios.L.T("progress.name.read"), L: ios.L})
		_, err := LoadImages(ctx, v, eng, &Progress{Read: &sent, Written: &read})
		m.Stop(err == nil)
		if err != nil {
			return err
		}
		for _, im := range man.Images {
			info, err := eng.ImageInfo(ctx, im.Name)
			if err != nil {
				return msg.Err("bundle.err.after-load", msg.Args{"Err": err})
			}
			if !im.Matches(info.ID, info.Layers) {
				recorded := im.ConfigDigest
				if recorded == "" {
					recorded = im.ID
				}
				return msg.Err("bundle.err.loaded-differs", msg.Args{"Image": im.Name, "Have": info.ID, "Config": recorded, "ID": im.ID})
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
	if o.Start == nil {
		return errors.New("internal error: no start function")
	}
	if o.Swarm {
		// Without a registry every node needs the images itself.
		fmt.Fprintln(ios.ErrOut, ios.L.T("deploy.install.swarm-node", msg.Args{"Bundle": filepath.Base(o.Bundle)}))
	}
	return o.Start(ctx, target)
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

// CheckProject runs stackgen validate's rules on the bundle's
// project, and refuses what hands a container the host (privileged,
// network_mode: host, the host's root or the Docker socket mounted) unless
// allowed. Warnings are printed; nothing has been loaded or written yet.
func CheckProject(w io.Writer, l *msg.Localizer, bundlePath string, set fileset.Set, allowPrivileged bool) error {
	findings := validate.Files(set)
	host := validate.HostAccess(set)
	for _, f := range append(findings, host...) {
		fmt.Fprintf(w, "%s: %s\n", bundlePath, f.Format(l))
	}
	if validate.HasErrors(findings) {
		return msg.Err("bundle.err.invalid-project", msg.Args{"Bundle": bundlePath})
	}
	if len(host) > 0 && !allowPrivileged {
		// the finding as a catalogue message, so root says it in the
		// reader's language with the rest of the refusal
		var finding any = host[0].Message
		if t := host[0].Text; t != nil {
			finding = msg.Sub{ID: t.Message, Args: t.Args}
		}
		return msg.Err("bundle.err.host-access", msg.Args{"Bundle": bundlePath, "File": host[0].File, "Finding": finding})
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func imageNames(images []Image) string {
	var names []string
	for _, im := range images {
		names = append(names, im.Name)
	}
	return strings.Join(names, ", ")
}

// SortedKeys is a map's keys in order (the secrets' names, for messages).
func SortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// GenerateSecrets makes fresh values for a bundle's secret keys from rnd
// (a CSPRNG): the stack's own generator when this stackgen knows the
// stack, else 32 random bytes each.
func GenerateSecrets(man *Manifest, rnd io.Reader) (map[string]string, error) {
	if rnd == nil {
		return nil, errors.New("internal error: no random source")
	}
	if def, err := stacks.Registry().Lookup(man.Stack); err == nil && man.Stack != "" {
		return def.GenerateSecrets(rnd, nil)
	}
	generated := map[string]string{}
	for _, k := range man.SecretKeys {
		b := make([]byte, 32)
		if _, err := io.ReadFull(rnd, b); err != nil {
			return nil, msg.Err("bundle.err.generate", msg.Args{"Name": k, "Err": err})
		}
		generated[k] = base64.RawURLEncoding.EncodeToString(b)
	}
	return generated, nil
}
