package exportcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/engine"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/k8s"
	"github.com/stackgen/stackgen/project"
	"github.com/stackgen/stackgen/stack"
	"github.com/stackgen/stackgen/stacks"
)

func init() { register(func(f *cmdutil.Factory) *cobra.Command { return NewCmdKubernetes(f, nil) }) }

// KubernetesOptions are the parsed flags and arguments of
// `stackgen export kubernetes`.
type KubernetesOptions struct {
	IO *cmdutil.IOStreams
	// Dir is the project directory (default ".").
	Dir string
	// Out receives the files (default <Dir>/kubernetes, or <Dir>/chart
	// with --helm).
	Out    string
	Images []string // KEY=REF
	K8s    k8s.Options
	// Registry (HOST[:PORT]), when set, receives the images the stack
	// builds; the manifests then name them by digest.
	Registry string
	// Engine pushes them (the factory's Docker client).
	Engine func() (*engine.Client, error)
}

// Pusher is what --registry needs from the engine: the same tag, push and
// digest lookup `stackgen up --swarm --registry` uses.
type Pusher interface {
	ImageID(ctx context.Context, ref string) (string, error)
	PushImage(ctx context.Context, ref, registry string, out io.Writer) (string, error)
}

var _ Pusher = (*engine.Client)(nil)

// NewCmdKubernetes builds the command; runF replaces the work in tests of
// flag parsing.
func NewCmdKubernetes(f *cmdutil.Factory, runF func(context.Context, *KubernetesOptions) error) *cobra.Command {
	opts := &KubernetesOptions{IO: f.IO, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:     "kubernetes [dir]",
		Aliases: []string{"k8s"},
		Short:   f.IO.L.T("cmd.export-kubernetes.short"),
		Long:    f.IO.L.T("export-kubernetes.long"),
		Example: f.IO.L.T("export-kubernetes.example"),
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) > 0 {
				opts.Dir = args[0]
			}
			images, err := parseImages(opts.Images)
			if err != nil {
				return err
			}
			opts.K8s.Images = images
			if strings.ContainsAny(opts.Registry, "/ ") {
				return &cmdutil.FlagError{Err: msg.Err("export.err.registry-host", msg.Args{"Value": fmt.Sprintf("%q", opts.Registry)})}
			}
			if err := stack.OptionalRegistryHost(opts.Registry); err != nil {
				return &cmdutil.FlagError{Err: msg.Err("export.err.registry", msg.Args{"Err": err})}
			}
			if err := k8s.CheckOptions(opts.K8s); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunKubernetes(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Out, "output", "o", "", f.IO.L.T("export-kubernetes.flag.output"))
	fl.BoolVar(&opts.K8s.Helm, "helm", false, f.IO.L.T("export-kubernetes.flag.helm"))
	fl.StringVarP(&opts.K8s.Namespace, "namespace", "n", "", f.IO.L.T("export-kubernetes.flag.namespace"))
	fl.StringVar(&opts.K8s.IngressClass, "ingress-class", "", f.IO.L.T("export-kubernetes.flag.ingress-class"))
	fl.StringVar(&opts.K8s.ServiceType, "service-type", "", f.IO.L.T("export-kubernetes.flag.service-type"))
	fl.StringVar(&opts.K8s.StorageClass, "storage-class", "", f.IO.L.T("export-kubernetes.flag.storage-class"))
	fl.StringVar(&opts.K8s.MediaAccessMode, "media-access-mode", "", f.IO.L.T("export-kubernetes.flag.media-access-mode"))
	fl.StringVar(&opts.K8s.SecretName, "secret-name", "", f.IO.L.T("export-kubernetes.flag.secret-name"))
	fl.StringVar(&opts.Registry, "registry", "", f.IO.L.T("export-kubernetes.flag.registry"))
	fl.StringArrayVar(&opts.Images, "image", nil, f.IO.L.T("export-kubernetes.flag.image"))
	return cmd
}

// parseImages turns KEY=REF flags into a map.
func parseImages(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || v == "" {
			return nil, &cmdutil.FlagError{Err: msg.Err("export.err.image", msg.Args{"Value": fmt.Sprintf("%q", f)})}
		}
		out[strings.TrimPrefix(k, "image.")] = v
	}
	return out, nil
}

// RunKubernetes exports the project in opts.Dir.
func RunKubernetes(opts *KubernetesOptions) error {
	p, abs, err := loadProject(opts.Dir)
	if err != nil {
		return err
	}
	if opts.Registry != "" {
		if opts.Engine == nil {
			return msg.Err("export.err.no-engine")
		}
		eng, err := opts.Engine()
		if err != nil {
			return err
		}
		pushed, err := PushBuilt(context.Background(), eng, opts.IO.L, p, opts.Registry, opts.K8s.Images, opts.IO.ErrOut)
		if err != nil {
			return err
		}
		images := map[string]string{}
		for k, v := range opts.K8s.Images {
			images[k] = v
		}
		for k, v := range pushed {
			images[k] = v
		}
		opts.K8s.Images = images
	}
	set, err := k8s.Export(p, opts.K8s)
	if err != nil {
		return err
	}
	out := opts.Out
	switch {
	case out != "":
	case opts.K8s.Helm && p.Stack.Name != "onyx":
		out = filepath.Join(abs, "chart")
	default:
		out = filepath.Join(abs, "kubernetes")
	}
	if err := writeSet(out, set); err != nil {
		return err
	}
	l := opts.IO.L
	fmt.Fprintln(opts.IO.Out, l.T("export.k8s.wrote", msg.Args{"Count": len(set), "Dir": out}))
	switch {
	case p.Stack.Name == "onyx":
		fmt.Fprintln(opts.IO.Out, l.T("export.k8s.onyx", msg.Args{"Version": k8s.OnyxChartFor(p.Answers), "File": filepath.Join(out, k8s.OnyxValuesFile)}))
	case opts.K8s.Helm:
		fmt.Fprintln(opts.IO.Out, l.T("export.k8s.helm", msg.Args{"Dir": out}))
	default:
		fmt.Fprintln(opts.IO.Out, l.T("export.k8s.apply", msg.Args{"Dir": out}))
	}
	return nil
}

// PushBuilt tags and pushes the images p's stack builds (except those
// given, which --image names already) to registry and returns them by
// image key as REGISTRY/NAME:TAG@sha256:...: the tag for people, the digest
// for the kubelet, so every node runs the image that was pushed.
func PushBuilt(ctx context.Context, eng Pusher, l *msg.Localizer, p k8s.Source, registry string, given map[string]string, log io.Writer) (map[string]string, error) {
	if log == nil {
		log = io.Discard
	}
	images := p.Stack.ResolveImages(p.Answers)
	out := map[string]string{}
	byRef := map[string]string{} // one push per image, whatever its keys
	for _, im := range p.Stack.Images {
		ref, active := images[im.Key]
		if !im.Built || !active || given[im.Key] != "" {
			continue
		}
		if done, ok := byRef[ref]; ok {
			out[im.Key] = done
			continue
		}
		if _, err := eng.ImageID(ctx, ref); err != nil {
			return nil, msg.Err("export.err.image-missing", msg.Args{"Key": im.Key, "Ref": ref, "Err": err})
		}
		fmt.Fprintln(log, l.T("export.push.pushing", msg.Args{"Image": ref, "Registry": registry}))
		pushed, err := eng.PushImage(ctx, ref, registry, log)
		if err != nil {
			return nil, err
		}
		name, _, digest := stack.SplitRef(pushed)
		_, tag, _ := stack.SplitRef(ref)
		if digest == "" || tag == "" {
			return nil, msg.Err("export.err.push-digest", msg.Args{"Key": im.Key, "Pushed": strconv.Quote(pushed)})
		}
		byRef[ref] = name + ":" + tag + "@" + digest
		out[im.Key] = byRef[ref]
	}
	if len(out) == 0 && len(byRef) == 0 {
		fmt.Fprintln(log, l.T("export.push.nothing"))
	}
	return out, nil
}

// loadProject reads dir's manifest and stack; the files are read from the
// directory itself, as the user keeps them.
func loadProject(dir string) (k8s.Source, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return k8s.Source{}, "", err
	}
	m, err := project.LoadManifest(abs)
	if err != nil {
		return k8s.Source{}, "", err
	}
	def, err := stacks.Registry().Lookup(m.Stack)
	if err != nil {
		return k8s.Source{}, "", msg.Err("cmd.err.file", msg.Args{"File": filepath.Join(abs, project.ManifestName), "Err": err})
	}
	return k8s.Source{Stack: def, Answers: m.AnswersOf(), Files: os.DirFS(abs)}, abs, nil
}

// writeSet writes every file atomically into dir (made if missing).
func writeSet(dir string, set fileset.Set) error {
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return msg.Err("export.err.out-file", msg.Args{"Dir": dir})
	}
	for _, f := range set {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := atomicfile.Write(p, f.Content, f.Mode); err != nil {
			return err
		}
	}
	return nil
}
