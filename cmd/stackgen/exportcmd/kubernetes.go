package exportcmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackgen/stackgen/cmd/stackgen/cmdutil"
	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/atomicfile"
	"github.com/stackgen/stackgen/k8s"
	"github.com/stackgen/stackgen/project"
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
}

// NewCmdKubernetes builds the command; runF replaces the work in tests of
// flag parsing.
func NewCmdKubernetes(f *cmdutil.Factory, runF func(*KubernetesOptions) error) *cobra.Command {
	opts := &KubernetesOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:     "kubernetes [dir]",
		Aliases: []string{"k8s"},
		Short:   "Write Kubernetes manifests with a kustomization (or a Helm chart)",
		Long: `Write Kubernetes manifests for a django-uwsgi or keras-webpy project (for
onyx: a values file for Onyx's own Helm chart, see the README):
StatefulSets with claims for the data the stack keeps, the shared media
claim, hash-named ConfigMaps from the project's configs, a migrate Job,
probes mapped from the health checks, NetworkPolicies, and an Ingress (or
a Service of --service-type) in front. The Secret comes from secret.env
(written from .env, mode 0600, git-ignored) through kustomize's
secretGenerator, or is an existing one (--secret-name).

Apply with: kubectl apply -k OUTDIR`,
		Example: `  stackgen export kubernetes
  stackgen export k8s mysite -o deploy/k8s --ingress-class nginx --storage-class fast
  stackgen export k8s mysite --service-type LoadBalancer --image web=registry.example/mysite-web:1.0`,
		Args: cobra.MaximumNArgs(1),
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
			if err := k8s.CheckOptions(opts.K8s); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return RunKubernetes(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Out, "output", "o", "", "folder that receives the files (default <dir>/kubernetes, or <dir>/chart with --helm)")
	fl.BoolVar(&opts.K8s.Helm, "helm", false, "write a Helm chart (values for replicas, images, resources, ingress, storage) instead of plain manifests")
	fl.StringVarP(&opts.K8s.Namespace, "namespace", "n", "", "namespace of every object (default: the project's name)")
	fl.StringVar(&opts.K8s.IngressClass, "ingress-class", "", "ingressClassName of the Ingress (default: the cluster's default class)")
	fl.StringVar(&opts.K8s.ServiceType, "service-type", "", "expose the entry as a Service of this `type` (LoadBalancer or NodePort) instead of an Ingress")
	fl.StringVar(&opts.K8s.StorageClass, "storage-class", "", "storage class of every claim (default: the cluster's default class)")
	fl.StringVar(&opts.K8s.MediaAccessMode, "media-access-mode", "", "access mode of the shared media claim: ReadWriteMany (default) or ReadWriteOnce (single node)")
	fl.StringVar(&opts.K8s.SecretName, "secret-name", "", "use this existing Secret instead of generating one from secret.env")
	fl.StringArrayVar(&opts.Images, "image", nil, "image reference for one of the stack's images, `KEY=REF` (e.g. web=registry.example/mysite-web@sha256:...); repeatable")
	return cmd
}

// parseImages turns KEY=REF flags into a map.
func parseImages(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || v == "" {
			return nil, cmdutil.FlagErrorf("--image %q: use KEY=REF, e.g. --image web=registry.example/mysite-web:1.0", f)
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
	fmt.Fprintf(opts.IO.Out, "Wrote %d files to %s\n", len(set), out)
	switch {
	case p.Stack.Name == "onyx":
		fmt.Fprintf(opts.IO.Out, "Install with Onyx's chart (version %s): see the commands at the top of %s\n", k8s.OnyxChartVersion, filepath.Join(out, k8s.OnyxValuesFile))
	case opts.K8s.Helm:
		fmt.Fprintf(opts.IO.Out, "Install with: helm install RELEASE %s (the commands are at the top of values.yaml)\n", out)
	default:
		fmt.Fprintf(opts.IO.Out, "Apply with: kubectl apply -k %s\n", out)
	}
	return nil
}

// loadProject reads dir's manifest and stack; the files are read from the
// directory itself, as the user keeps them.
func loadProject(dir string) (k8s.Project, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return k8s.Project{}, "", err
	}
	m, err := project.LoadManifest(abs)
	if err != nil {
		return k8s.Project{}, "", err
	}
	def, err := stacks.Registry().Lookup(m.Stack)
	if err != nil {
		return k8s.Project{}, "", fmt.Errorf("%s: %w", filepath.Join(abs, project.ManifestName), err)
	}
	return k8s.Project{Stack: def, Answers: m.AnswersOf(), Files: os.DirFS(abs)}, abs, nil
}

// writeSet writes every file atomically into dir (made if missing).
func writeSet(dir string, set fileset.Set) error {
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return fmt.Errorf("%s is a file; give -o a folder", dir)
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
