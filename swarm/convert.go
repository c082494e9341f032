// Package swarm turns a generated project into a Docker Swarm stack and
// drives it. Convert is pure: (compose model, stack definition, .env) ->
// a stack file plus the secrets and configs to create, with every gap
// between Compose and Swarm closed on purpose (see the package README in
// the project README's "Swarm" section). The orchestration in deploy.go
// reaches the engine only through the engine package.
package swarm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackgen/stackgen/internal/composefile"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackgen/stackgen/fileset"
	"github.com/stackgen/stackgen/internal/dotenv"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// DefaultFile is where `stackgen export swarm` writes the stack file.
const DefaultFile = "swarm/stack.yaml"

// DefaultReplicas is the web tier's replica count when none is given:
// two, so a rolling update always has one task serving.
const DefaultReplicas = 2

// imageLabel is engine.ImageLabel (kept apart: conversion is pure and
// imports no engine).
const imageLabel = "dev.stackgen.image-id"

// SecretsDir is where Swarm mounts secrets in a task's container.
const SecretsDir = "/run/secrets/"

// virtualRoot is the working directory the compose files are loaded
// under; bind sources under it map back to project paths. Never on disk.
const virtualRoot = "/stackgen-swarm"

// minSecretLen keeps short, guessable values (a user name such as "onyx")
// from being matched as secrets inside other values.
const minSecretLen = 8

// Input is one conversion.
type Input struct {
	// Def is the project's stack (nil: a plain compose project).
	Def     *stack.Definition
	Answers stack.Answers
	// Files are the project's files; compose files, .env and every file a
	// bind mount names are read from here.
	Files fileset.Set
	// Name is the stack's name on the swarm (the project directory's name,
	// as Compose names its project).
	Name string
	// Replicas of each web-tier service (0: DefaultReplicas).
	Replicas int
	// PublishMode is how the proxy's ports are published: "ingress" (the
	// routing mesh: every node answers; needs IPVS in the kernel) or
	// "host" (only the node running the proxy answers). Empty: ingress.
	PublishMode string
	// Encrypt turns on IPsec encryption of the internal data networks
	// (costs CPU; the nodes must let ESP, IP protocol 50, through).
	Encrypt bool
	// ImageIDs are the local IDs of the images the project builds, by
	// service; written as a container label so a rebuilt image under the
	// same tag rolls out (up --swarm sets them, export leaves them out).
	ImageIDs map[string]string
	// Images replaces the image reference of a service (the registry
	// digest of a pushed image, from up --swarm --registry).
	Images map[string]string
}

// Object is a secret or config stackgen creates before deploying.
type Object struct {
	// Key is its name inside the stack file; Name the engine object's,
	// with a content hash so a changed value is a new object and rolls out.
	Key, Name string
	Data      []byte
	// From says where the content came from (".env MYSQL_PASSWORD").
	From string
}

// Service is what the deploy and the wait need to know of a service.
type Service struct {
	Name string
	// Role is data (one replica, pinned), web, proxy, job or worker.
	Role string
	// Replicas wanted (1 for jobs: one completion).
	Replicas int
	// After lists the services compose started it after (depends_on):
	// the wait reports in this order.
	After []string
}

// Result is a converted project.
type Result struct {
	StackFile []byte
	Secrets   []Object
	Configs   []Object
	// Services in dependency order.
	Services []Service
	// DataLabel is the node label the stateful services are pinned to
	// (node.labels.<DataLabel> == true).
	DataLabel string
	// Notes say what changed against compose and why (also in the file).
	Notes []string
}

// Role names.
const (
	RoleData   = "data"
	RoleWeb    = "web"
	RoleProxy  = "proxy"
	RoleJob    = "job"
	RoleWorker = "worker"
)

// secretName is a heuristic for plain compose projects, whose .env keys
// carry no "secret" mark: these are never written into a stack file.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|_KEY$|^KEY$)`)

// Convert builds the stack file. Every refusal is one line naming the
// file or answer and the fix; nothing is half-converted.
func Convert(in Input) (*Result, error) {
	c, err := newConverter(in)
	if err != nil {
		return nil, err
	}
	return c.run()
}

type converter struct {
	in Input
	// notes are Result.Notes as catalogue messages, for the stack file's
	// header in the project's language.
	notes   []msg.Sub
	h       hints
	env     map[string]string
	proj    *types.Project
	secrets map[string]string // secret value -> .env key
	files   []string          // compose files loaded
	res     *Result
	objects map[string]bool // stack-file keys of secrets and configs in use
	// svcSecrets collects, per service, the .env keys of the secrets it mounts.
	stateful map[string]bool
	// empty are the bind mounts dropped for holding no files.
	empty []emptyMount
}

type emptyMount struct{ service, rel, target string }

func newConverter(in Input) (*converter, error) {
	if in.Name == "" {
		return nil, msg.Err("swarm.err.no-name")
	}
	if !stackName.MatchString(in.Name) {
		return nil, msg.Err("swarm.err.bad-name", msg.Args{"Name": in.Name})
	}
	if in.Replicas == 0 {
		in.Replicas = DefaultReplicas
	}
	switch in.PublishMode {
	case "", "ingress", "host":
	default:
		return nil, msg.Err("swarm.err.publish-mode", msg.Args{"Mode": in.PublishMode})
	}
	if in.Replicas < 1 || in.Replicas > 100 {
		return nil, msg.Err("swarm.err.replicas", msg.Args{"Replicas": in.Replicas})
	}
	c := &converter{in: in, env: map[string]string{}, secrets: map[string]string{}, objects: map[string]bool{}, stateful: map[string]bool{}}
	if in.Def != nil {
		c.h = hintsFor(in.Def.Name)
		if in.Answers.Bool("publish_db") {
			return nil, msg.Err("swarm.err.publish-db")
		}
	}
	if f, ok := in.Files.Get(".env"); ok {
		env, err := dotenv.Strict(f.Content)
		if err != nil {
			return nil, msg.Err("swarm.err.dotenv", msg.Args{"Err": err})
		}
		c.env = env
	}
	c.collectSecrets()
	return c, nil
}

var stackName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,29}$`)

// collectSecrets marks the .env values never to be written: the stack's
// generated secrets and, for any project, keys named like secrets.
func (c *converter) collectSecrets() {
	keys := map[string]bool{}
	if c.in.Def != nil {
		for _, s := range c.in.Def.Secrets {
			keys[s.Key] = true
		}
	}
	for k := range c.env {
		if secretName.MatchString(k) {
			keys[k] = true
		}
	}
	for k := range keys {
		if v := c.env[k]; len(v) >= minSecretLen {
			// Two keys with one value: the first by name wins, both mount
			// the same content.
			if old, ok := c.secrets[v]; !ok || k < old {
				c.secrets[v] = k
			}
		}
	}
}

func (c *converter) composeFiles() []string {
	if v := c.env["COMPOSE_FILE"]; v != "" {
		sep := c.env["COMPOSE_PATH_SEPARATOR"]
		if sep == "" {
			sep = ":"
		}
		return strings.Split(v, sep)
	}
	for _, n := range composefile.Names {
		if _, ok := c.in.Files.Get(n); ok {
			return []string{n}
		}
	}
	return nil
}

func (c *converter) load() error {
	names := c.composeFiles()
	if len(names) == 0 {
		return msg.Err("swarm.err.no-compose")
	}
	details := types.ConfigDetails{WorkingDir: virtualRoot, Environment: c.env}
	for _, n := range names {
		f, ok := c.in.Files.Get(n)
		if !ok {
			return msg.Err("swarm.err.compose-file-missing", msg.Args{"File": n})
		}
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: path.Join(virtualRoot, n), Content: f.Content})
		c.files = append(c.files, n)
	}
	p, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName(c.in.Name, true)
	})
	if err != nil {
		return msg.Err("swarm.err.compose-load", msg.Args{"Files": strings.Join(names, ", "), "Err": err})
	}
	c.proj = p
	return nil
}

func (c *converter) run() (*Result, error) {
	if err := c.load(); err != nil {
		return nil, err
	}
	c.res = &Result{DataLabel: "stackgen." + c.in.Name + ".data"}
	if c.in.Def != nil && c.in.Def.State != nil {
		for _, s := range c.in.Def.State(c.in.Answers) {
			// Files kept by the web tier (Django's uploads) do not pin it:
			// its replicas spread (README: use a shared volume for them).
			if s.Kind != stack.StateFiles || !contains(c.h.web, s.Service) {
				c.stateful[s.Service] = true
			}
		}
	}
	for _, s := range c.h.pin {
		c.stateful[s] = true
	}
	order, err := c.order()
	if err != nil {
		return nil, err
	}
	services := omap{}
	for _, name := range order {
		s := c.proj.Services[name]
		out, info, err := c.service(s)
		if err != nil {
			return nil, err
		}
		services.add(name, out)
		c.res.Services = append(c.res.Services, info)
		if info.Name == c.migrateService() {
			job, jinfo := c.migrateJob(s, out)
			services.add(jinfo.Name, job)
			c.res.Services = append(c.res.Services, jinfo)
		}
	}
	// A dropped empty folder that a config still names (nginx's TLS
	// certificates) would fail only on the cluster: refuse now.
	for _, e := range c.empty {
		for _, o := range c.res.Configs {
			if bytes.Contains(o.Data, []byte(e.target+"/")) {
				return nil, msg.Err("swarm.err.empty-mount", msg.Args{"From": o.From, "Target": e.target, "Dir": e.rel, "Service": e.service})
			}
		}
	}
	doc := omap{}
	doc.add("version", "3.9")
	doc.add("services", services)
	doc.add("networks", c.networks())
	if v := c.volumes(); len(v) > 0 {
		doc.add("volumes", v)
	}
	if len(c.res.Secrets) > 0 {
		doc.add("secrets", external(c.res.Secrets))
	}
	if len(c.res.Configs) > 0 {
		doc.add("configs", external(c.res.Configs))
	}
	body, err := marshal(doc)
	if err != nil {
		return nil, err
	}
	c.res.StackFile = append([]byte(c.header()), body...)
	// The invariant the rest only approaches: whatever the templates
	// become, no secret value is ever written into the stack file.
	for v, k := range c.secrets {
		if bytes.Contains(c.res.StackFile, []byte(v)) || bytes.Contains(c.res.StackFile, []byte(escape(v))) {
			return nil, msg.Err("swarm.err.secret-leak", msg.Args{"Key": k})
		}
	}
	return c.res, nil
}

// order is the services in dependency order (depends_on first), ties by name.
func (c *converter) order() ([]string, error) {
	var names []string
	for n := range c.proj.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	done := map[string]bool{}
	var out []string
	for len(out) < len(names) {
		progress := false
		for _, n := range names {
			if done[n] {
				continue
			}
			ready := true
			for d := range c.proj.Services[n].DependsOn {
				if !done[d] {
					ready = false
				}
			}
			if ready {
				done[n] = true
				out = append(out, n)
				progress = true
			}
		}
		if !progress {
			return nil, msg.Err("swarm.err.depends-cycle", msg.Args{"File": c.files[0]})
		}
	}
	return out, nil
}

func (c *converter) migrateService() string {
	if c.h.migrateJob && c.in.Def != nil && c.in.Def.Migrate != nil {
		return c.in.Def.Migrate.Service
	}
	return ""
}

func (c *converter) role(name string, s types.ServiceConfig) string {
	switch {
	case c.stateful[name]:
		return RoleData
	case contains(c.h.web, name):
		return RoleWeb
	case len(s.Ports) > 0:
		return RoleProxy
	}
	return RoleWorker
}

// svc is one service being converted.
type svc struct {
	c      *converter
	name   string
	s      types.ServiceConfig
	out    omap
	env    map[string]string
	mounts []string // secret keys mounted under /run/secrets
	// fileSecrets are key files of bind mounts, mounted where compose had them.
	fileSecrets []any
	shell       []string     // shell lines that load secret variables
	health      []healthLoad // secret variables a CMD-SHELL health check may read
	notes       []msg.Sub
}

func (c *converter) service(s types.ServiceConfig) (omap, Service, error) {
	v := &svc{c: c, name: s.Name, s: s, env: map[string]string{}}
	role := c.role(s.Name, s)
	info := Service{Name: s.Name, Role: role, Replicas: 1}
	for d := range s.DependsOn {
		info.After = append(info.After, d)
	}
	sort.Strings(info.After)
	if len(s.Ports) > 0 && role != RoleProxy && role != RoleWeb {
		return nil, info, v.refuse("swarm.svc.ports")
	}
	if err := c.refusePrivatePorts(s); err != nil {
		return nil, info, err
	}
	if s.Deploy != nil {
		for _, r := range []*types.Resource{s.Deploy.Resources.Reservations, s.Deploy.Resources.Limits} {
			if r != nil && len(r.Devices) > 0 {
				return nil, info, v.refuse("swarm.svc.devices")
			}
		}
	}
	image := s.Image
	if ref, ok := c.in.Images[s.Name]; ok {
		image = ref
	}
	if image == "" {
		return nil, info, v.refuse("swarm.svc.no-image")
	}
	if err := v.environment(); err != nil {
		return nil, info, err
	}
	command, err := v.command()
	if err != nil {
		return nil, info, err
	}
	health, err := v.healthcheck()
	if err != nil {
		return nil, info, err
	}
	volumes, configs, err := v.volumes()
	if err != nil {
		return nil, info, err
	}

	v.out.add("image", image)
	switch {
	case len(v.shell) > 0 && v.hasShim():
		entry, cmd := v.shimmed()
		v.out.add("entrypoint", entry)
		v.out.add("command", cmd)
		v.notes = append(v.notes, msg.Sub{ID: "swarm.note.shim"})
	default:
		if len(v.s.Entrypoint) > 0 {
			v.out.add("entrypoint", strs(v.s.Entrypoint))
		}
		if command != nil {
			v.out.add("command", command)
		}
	}
	if len(v.env) > 0 {
		v.out.add("environment", sortedMap(v.env))
	}
	if len(v.mounts)+len(v.fileSecrets) > 0 {
		var sl []any
		for _, k := range uniq(v.mounts) {
			sl = append(sl, omap{{"source", k}, {"target", k}, {"mode", 0o444}})
		}
		v.out.add("secrets", append(sl, v.fileSecrets...))
	}
	if len(configs) > 0 {
		v.out.add("configs", configs)
	}
	if len(volumes) > 0 {
		v.out.add("volumes", volumes)
	}
	v.out.add("networks", strs(v.networkNames()))
	if ports := v.ports(); ports != nil {
		v.out.add("ports", ports)
	}
	if health != nil {
		v.out.add("healthcheck", health)
	}
	if id, ok := c.in.ImageIDs[s.Name]; ok {
		v.out.add("labels", omap{{imageLabel, id}})
	}
	if s.Init != nil && *s.Init {
		v.out.add("init", true)
	}
	if s.ReadOnly {
		v.out.add("read_only", true)
	}
	if len(s.CapDrop) > 0 {
		v.out.add("cap_drop", strs(s.CapDrop))
	}
	if s.User != "" {
		v.out.add("user", s.User)
	}
	if len(s.Ulimits) > 0 {
		// Services take ulimits since Engine 20.10 (API 1.41).
		u := omap{}
		for _, name := range sortedKeys(s.Ulimits) {
			l := s.Ulimits[name]
			if l.Single != 0 {
				u.add(name, l.Single)
			} else {
				u.add(name, omap{{"soft", l.Soft}, {"hard", l.Hard}})
			}
		}
		v.out.add("ulimits", u)
	}
	if s.StopGracePeriod != nil {
		v.out.add("stop_grace_period", dur(time.Duration(*s.StopGracePeriod)))
	}
	if s.Logging != nil && s.Logging.Driver != "" {
		l := omap{{"driver", s.Logging.Driver}}
		if len(s.Logging.Options) > 0 {
			l.add("options", sortedMap(s.Logging.Options))
		}
		v.out.add("logging", l)
	}
	deploy, replicas := v.deploy(role)
	info.Replicas = replicas
	v.out.add("deploy", deploy)
	if len(s.SecurityOpt) > 0 {
		v.notes = append(v.notes, msg.Sub{ID: "swarm.note.security-opt", Args: msg.Args{"Options": strings.Join(s.SecurityOpt, ", ")}})
	}
	if len(s.DependsOn) > 0 {
		v.notes = append(v.notes, msg.Sub{ID: "swarm.note.depends-on"})
	}
	for _, n := range v.notes {
		c.note(msg.Sub{ID: "swarm.note.service", Args: msg.Args{"Service": s.Name, "Note": n}})
	}
	return v.out, info, nil
}

// refuse is the service's refusal id (a swarm.svc.* clause that follows
// the service's name), placed after the files and the service.
func (v *svc) refuse(id string, args ...msg.Args) error {
	return msg.Err("swarm.err.service", msg.Args{"Files": strings.Join(v.c.files, "+"), "Service": v.name, "Why": msg.Err(id, args...)})
}

// secretKey is a secret's name inside the stack file and its file name
// under /run/secrets.
func secretKey(envKey string) string { return strings.ToLower(envKey) }

func (v *svc) addSecret(envKey string, data []byte, key string) {
	v.mounts = append(v.mounts, key)
	v.c.addObject(&v.c.res.Secrets, key, data, ".env "+envKey)
}

func (c *converter) addObject(list *[]Object, key string, data []byte, from string) {
	if c.objects[key] {
		return
	}
	c.objects[key] = true
	sum := sha256.Sum256(data)
	name := c.in.Name + "_" + key
	if len(name) > 52 { // Swarm names are at most 64 characters
		name = name[:52]
	}
	*list = append(*list, Object{Key: key, Name: name + "_" + hex.EncodeToString(sum[:])[:10], Data: data, From: from})
}

type healthLoad struct{ name, key string }

// shellLoad is the shell line that sets var from its secret file.
func shellLoad(varName, key string) string {
	return fmt.Sprintf(`%s="$(cat %s%s)" || exit 1; export %s; `, varName, SecretsDir, key, varName)
}

func (v *svc) environment() error {
	var keys []string
	for k := range v.s.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := v.s.Environment[k]
		if p == nil {
			return v.refuse("swarm.svc.env-empty", msg.Args{"Key": k})
		}
		val := *p
		envKey, isSecret := v.c.secrets[val]
		if !isSecret {
			if sk := v.c.embeds(val); sk != "" {
				return v.refuse("swarm.svc.env-embeds", msg.Args{"Key": k, "Secret": sk})
			}
			v.env[k] = val
			continue
		}
		key := secretKey(envKey)
		v.addSecret(envKey, []byte(val), key)
		v.health = append(v.health, healthLoad{k, key})
		switch {
		case contains(v.c.h.fileEnv, v.name):
			v.env[k+"_FILE"] = SecretsDir + key
		case isShell(v.s.Command):
			v.shell = append(v.shell, shellLoad(k, key))
		case contains(v.c.h.healthEnv, v.name):
			// only the health check reads it
		case v.hasShim():
			v.shell = append(v.shell, shellLoad(k, key))
		default:
			return v.refuse("swarm.svc.env-secret", msg.Args{"Secret": envKey, "Key": k})
		}
	}
	for _, w := range sortedKeys(v.c.h.waitEnv) {
		if v.name == v.c.migrateService() {
			v.env[w] = v.c.h.waitEnv[w]
		}
	}
	return nil
}

// embeds returns the .env key of a secret contained in s, if any.
func (c *converter) embeds(s string) string {
	for val, k := range c.secrets {
		if strings.Contains(s, val) {
			return k
		}
	}
	return ""
}

func (v *svc) hasShim() bool {
	_, ok := v.c.h.shim[v.name]
	return ok
}

// shimmed returns the entrypoint and command that load the secret files
// into the variables, then exec what the image would have run.
func (v *svc) shimmed() (entrypoint, command []any) {
	sh := v.c.h.shim[v.name]
	args := append([]string{}, sh.entry...)
	if len(v.s.Command) > 0 {
		args = append(args, v.s.Command...)
	} else {
		args = append(args, sh.cmd...)
	}
	return strs([]string{"/bin/sh", "-c", strings.Join(v.shell, "") + `exec "$@"`, "sh"}), strs(args)
}

func isShell(cmd types.ShellCommand) bool {
	if len(cmd) != 3 || cmd[1] != "-c" {
		return false
	}
	switch cmd[0] {
	case "sh", "/bin/sh", "bash", "/bin/bash":
		return true
	}
	return false
}

// command keeps the compose command, loading secrets into a shell
// command's variables first, and turns redis-server's --requirepass VALUE
// into an included config file that is a secret.
func (v *svc) command() ([]any, error) {
	cmd := []string(v.s.Command)
	if len(cmd) == 0 {
		return nil, nil
	}
	if isShell(v.s.Command) {
		script := strings.Join(v.shell, "") + cmd[2]
		if sk := v.c.embeds(script); sk != "" {
			return nil, v.refuse("swarm.svc.command-embeds", msg.Args{"Secret": sk})
		}
		return strs([]string{cmd[0], "-c", script}), nil
	}
	var out []string
	for i := 0; i < len(cmd); i++ {
		a := cmd[i]
		if a == "--requirepass" && i+1 < len(cmd) {
			if envKey, ok := v.c.secrets[cmd[i+1]]; ok {
				key := secretKey(envKey) + "_redis_conf"
				v.addSecret(envKey, []byte("requirepass "+redisQuote(cmd[i+1])+"\n"), key)
				out = append(out, "--include", SecretsDir+key)
				i++
				continue
			}
		}
		if sk := v.c.embeds(a); sk != "" {
			return nil, v.refuse("swarm.svc.command-secret", msg.Args{"Secret": sk})
		}
		out = append(out, a)
	}
	return strs(out), nil
}

// redisQuote quotes a value for redis.conf: double quotes with \\ and \"
// escapes, as redis's config parser reads them.
func redisQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func (v *svc) healthcheck() (omap, error) {
	h := v.s.HealthCheck
	if h == nil {
		return nil, nil
	}
	if h.Disable {
		return omap{{"disable", true}}, nil
	}
	test := []string(h.Test)
	if len(test) >= 2 && test[0] == "CMD-SHELL" {
		script := strings.Join(test[1:], " ")
		prefix := ""
		for _, l := range v.health {
			// The check sees the variables it names, as under compose;
			// a healthEnv service's tool reads its variable unnamed.
			if contains(v.c.h.healthEnv, v.name) || strings.Contains(script, "$"+l.name) || strings.Contains(script, "${"+l.name) {
				prefix += shellLoad(l.name, l.key)
			}
		}
		test = []string{"CMD-SHELL", prefix + script}
	}
	for _, a := range test {
		if sk := v.c.embeds(a); sk != "" {
			return nil, v.refuse("swarm.svc.healthcheck-embeds", msg.Args{"Secret": sk})
		}
	}
	out := omap{{"test", strs(test)}}
	if h.Interval != nil {
		out.add("interval", dur(time.Duration(*h.Interval)))
	}
	if h.Timeout != nil {
		out.add("timeout", dur(time.Duration(*h.Timeout)))
	}
	if h.Retries != nil {
		out.add("retries", int(*h.Retries))
	}
	if h.StartPeriod != nil {
		out.add("start_period", dur(time.Duration(*h.StartPeriod)))
	}
	return out, nil
}

func (v *svc) startPeriod() time.Duration {
	if h := v.s.HealthCheck; h != nil && h.StartPeriod != nil {
		return time.Duration(*h.StartPeriod)
	}
	return 0
}

// volumes keeps named volumes and tmpfs, and turns read-only bind mounts
// of project files into configs (secrets for key files): a host path does
// not exist on the other nodes.
func (v *svc) volumes() (vols []any, configs []any, err error) {
	for _, m := range v.s.Volumes {
		switch m.Type {
		case types.VolumeTypeVolume:
			o := omap{{"type", "volume"}, {"source", m.Source}, {"target", m.Target}}
			if m.ReadOnly {
				o.add("read_only", true)
			}
			if m.Volume != nil && m.Volume.NoCopy {
				o.add("volume", omap{{"nocopy", true}})
			}
			vols = append(vols, o)
		case types.VolumeTypeTmpfs:
			o := omap{{"type", "tmpfs"}, {"target", m.Target}}
			if m.Tmpfs != nil && m.Tmpfs.Size > 0 {
				o.add("tmpfs", omap{{"size", int64(m.Tmpfs.Size)}})
			}
			vols = append(vols, o)
		case types.VolumeTypeBind:
			cs, err := v.bind(m)
			if err != nil {
				return nil, nil, err
			}
			configs = append(configs, cs...)
		default:
			return nil, nil, v.refuse("swarm.svc.mount-type", msg.Args{"Type": m.Type, "Target": m.Target})
		}
	}
	for _, t := range v.s.Tmpfs {
		vols = append(vols, omap{{"type", "tmpfs"}, {"target", t}})
	}
	if v.s.ShmSize > 0 {
		// shm_size is not a service option: a tmpfs of that size on /dev/shm is.
		vols = append(vols, omap{{"type", "tmpfs"}, {"target", "/dev/shm"}, {"tmpfs", omap{{"size", int64(v.s.ShmSize)}}}})
	}
	return vols, configs, nil
}

var keyFile = regexp.MustCompile(`(?i)(\.key$|privkey|private)`)

func (v *svc) bind(m types.ServiceVolumeConfig) ([]any, error) {
	if why, ok := v.c.h.dropMounts[v.name+":"+m.Target]; ok {
		v.notes = append(v.notes, msg.Sub{ID: "swarm.note.bind-dropped", Args: msg.Args{"Target": m.Target, "Why": msg.Sub{ID: why}}})
		return nil, nil
	}
	if why, ok := v.c.h.refuseMounts[v.name+":"+m.Target]; ok {
		return nil, v.refuse("swarm.svc.bind-refused", msg.Args{"Target": m.Target, "Why": msg.Err(why)})
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(m.Source, virtualRoot), "/")
	if rel == m.Source || rel == "" || strings.HasPrefix(rel, "..") {
		return nil, v.refuse("swarm.svc.bind-outside", msg.Args{"Source": m.Source})
	}
	if !m.ReadOnly {
		return nil, v.refuse("swarm.svc.bind-writable", msg.Args{"Dir": rel})
	}
	var out []any
	var rerr error
	add := func(f fileset.File, target string) {
		if rw, ok := v.c.h.rewrite[f.Path]; ok {
			b, err := rw(f.Content)
			if err != nil {
				rerr = err
				return
			}
			f.Content = b
		}
		key := slug(f.Path)
		list := &v.c.res.Configs
		kind := "configs"
		if keyFile.MatchString(path.Base(f.Path)) {
			list, kind = &v.c.res.Secrets, "secrets"
		}
		v.c.addObject(list, key, f.Content, f.Path)
		if kind == "secrets" {
			v.fileSecrets = append(v.fileSecrets, omap{{"source", key}, {"target", target}, {"mode", 0o400}})
			return
		}
		out = append(out, omap{{"source", key}, {"target", target}, {"mode", 0o444}})
	}
	if f, ok := v.c.in.Files.Get(rel); ok {
		add(f, m.Target)
		return out, rerr
	}
	var found []fileset.File
	for _, f := range v.c.in.Files {
		if strings.HasPrefix(f.Path, rel+"/") && path.Base(f.Path) != ".gitkeep" {
			found = append(found, f)
		}
	}
	if len(found) == 0 {
		v.notes = append(v.notes, msg.Sub{ID: "swarm.note.bind-empty", Args: msg.Args{"Dir": rel}})
		v.c.empty = append(v.c.empty, emptyMount{v.name, rel, m.Target})
		return nil, nil
	}
	if len(found) > 50 {
		return nil, v.refuse("swarm.svc.bind-many", msg.Args{"Dir": rel, "Count": len(found)})
	}
	for _, f := range found {
		if len(f.Content) > 500<<10 {
			return nil, v.refuse("swarm.svc.bind-large", msg.Args{"File": f.Path})
		}
		add(f, path.Join(m.Target, strings.TrimPrefix(f.Path, rel+"/")))
	}
	return out, rerr
}

// slug makes a project path a stack-file key: compose/nginx/nginx.conf ->
// compose_nginx_nginx_conf.
func slug(p string) string {
	return strings.Trim(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(p, "_"), "_")
}

func (v *svc) networkNames() []string {
	var names []string
	for n := range v.s.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = []string{"default"}
	}
	return names
}

// onlyInternal is true when every network of the service is internal
// (and it publishes nothing, which DNS round-robin could not).
func (v *svc) onlyInternal() bool {
	if len(v.s.Ports) > 0 || len(v.s.Networks) == 0 {
		return false
	}
	for n := range v.s.Networks {
		if nc, ok := v.c.proj.Networks[n]; !ok || !nc.Internal {
			return false
		}
	}
	return true
}

func (v *svc) ports() []any {
	var out []any
	for _, p := range v.s.Ports {
		pub, _ := strconv.Atoi(p.Published)
		o := omap{{"target", int(p.Target)}}
		if pub > 0 {
			o.add("published", pub)
		}
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		o.add("protocol", proto)
		mode := v.c.in.PublishMode
		if mode == "" {
			mode = "ingress"
		}
		o.add("mode", mode)
		out = append(out, o)
	}
	return out
}

// refusePrivatePorts stops a port the user bound to the loopback
// interface: Swarm would publish it everywhere.
func (c *converter) refusePrivatePorts(s types.ServiceConfig) error {
	for _, p := range s.Ports {
		switch p.HostIP {
		case "", "0.0.0.0", "::":
		default:
			return msg.Err("swarm.err.service", msg.Args{"Files": strings.Join(c.files, "+"), "Service": s.Name, "Why": msg.Err("swarm.svc.private-port", msg.Args{"Port": p.Target, "Address": p.HostIP})})
		}
	}
	return nil
}

func (v *svc) deploy(role string) (omap, int) {
	d := omap{}
	replicas := 1
	if role == RoleWeb {
		replicas = v.c.in.Replicas
	}
	d.add("mode", "replicated")
	d.add("replicas", replicas)
	if v.onlyInternal() || (v.c.h.resolving && role != RoleProxy) {
		// A virtual IP needs the kernel's IPVS, and on an internal overlay
		// network it does not answer on Engine 20.10 (checked: "No route to
		// host" while the task's own address answers). DNS round-robin
		// gives clients the running tasks' addresses.
		d.add("endpoint_mode", "dnsrr")
	}
	d.add("labels", omap{{"dev.stackgen.role", role}})
	if role == RoleData {
		// Local volumes stay on the node that made them.
		d.add("placement", omap{{"constraints", strs([]string{"node.labels." + v.c.res.DataLabel + " == true"})}})
	}
	d.add("restart_policy", restartPolicy(v.s.Restart))
	if res := resources(v.s.Deploy); res != nil {
		d.add("resources", res)
	}
	// A second database or a second Celery beat on the same data must
	// never run: only the stateless web tier and the proxy start the new
	// task before stopping the old one.
	order := "stop-first"
	if role == RoleWeb || (role == RoleProxy && v.c.in.PublishMode != "host") {
		// A proxy published in host mode holds the node's port: the new
		// task cannot start before the old one stops.
		order = "start-first"
	}
	// The monitor outlasts the health check's start period, so a task
	// that fails only once its grace ends still counts as a failed update.
	monitor := v.startPeriod() + 10*time.Second
	if monitor < 15*time.Second {
		monitor = 15 * time.Second
	}
	d.add("update_config", omap{{"parallelism", 1}, {"delay", "0s"}, {"order", order}, {"failure_action", "rollback"}, {"monitor", dur(monitor)}, {"max_failure_ratio", 0}})
	d.add("rollback_config", omap{{"parallelism", 1}, {"order", order}, {"failure_action", "pause"}, {"monitor", dur(monitor)}})
	return d, replicas
}

func restartPolicy(r string) omap {
	cond := "any"
	switch {
	case r == "no":
		cond = "none"
	case strings.HasPrefix(r, "on-failure"):
		cond = "on-failure"
	}
	return omap{{"condition", cond}, {"delay", "5s"}}
}

func resources(d *types.DeployConfig) omap {
	if d == nil {
		return nil
	}
	res := omap{}
	for _, r := range []struct {
		key string
		r   *types.Resource
	}{{"limits", d.Resources.Limits}, {"reservations", d.Resources.Reservations}} {
		if r.r == nil {
			continue
		}
		o := omap{}
		if r.r.NanoCPUs > 0 {
			o.add("cpus", strconv.FormatFloat(float64(r.r.NanoCPUs.Value()), 'f', -1, 32))
		}
		if r.r.MemoryBytes > 0 {
			o.add("memory", int64(r.r.MemoryBytes))
		}
		if len(o) > 0 {
			res.add(r.key, o)
		}
	}
	if len(res) == 0 {
		return nil
	}
	return res
}

// migrateJob is the stack's migration as a Swarm job: the web service's
// image, environment, secrets and networks, the migrate command, run to
// completion once per deploy whose spec changed (a new image).
func (c *converter) migrateJob(web types.ServiceConfig, webOut omap) (omap, Service) {
	m := c.in.Def.Migrate
	name := m.Service + "-migrate"
	job := omap{}
	for _, kv := range webOut {
		switch kv.Key {
		case "image", "labels", "secrets", "networks", "logging", "user":
			job.add(kv.Key, kv.Value)
		case "environment":
			env := omap{}
			for _, e := range kv.Value.(omap) {
				if _, wait := c.h.waitEnv[e.Key]; !wait {
					env = append(env, e)
				}
			}
			job.add("environment", env)
		}
	}
	job.add("command", strs(m.Command))
	job.add("healthcheck", omap{{"disable", true}})
	job.add("deploy", omap{
		{"mode", "replicated-job"},
		{"endpoint_mode", "dnsrr"},
		{"labels", omap{{"dev.stackgen.role", RoleJob}}},
		// The database may still be starting: a failed attempt is retried,
		// a bounded number of times.
		{"restart_policy", omap{{"condition", "on-failure"}, {"delay", "5s"}, {"max_attempts", 12}}},
	})
	c.note(msg.Sub{ID: "swarm.note.migrate-job", Args: msg.Args{"Job": name, "What": m.What, "Service": m.Service, "Keys": strings.Join(sortedKeys(c.h.waitEnv), ", ")}})
	after := []string{}
	for d := range web.DependsOn {
		after = append(after, d)
	}
	sort.Strings(after)
	return job, Service{Name: name, Role: RoleJob, Replicas: 1, After: after}
}

func (c *converter) networks() omap {
	used := map[string]bool{}
	for _, s := range c.proj.Services {
		if len(s.Networks) == 0 {
			used["default"] = true
		}
		for n := range s.Networks {
			used[n] = true
		}
	}
	out := omap{}
	for _, n := range sortedKeys(used) {
		o := omap{{"driver", "overlay"}}
		nc, ok := c.proj.Networks[n]
		internal := ok && nc.Internal
		if internal {
			o.add("internal", true)
			if c.in.Encrypt {
				o.add("driver_opts", omap{{"encrypted", ""}})
			}
		}
		out.add(n, o)
	}
	return out
}

func (c *converter) volumes() omap {
	out := omap{}
	var names []string
	for n := range c.proj.Volumes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out.add(n, omap{})
	}
	return out
}

func external(objs []Object) omap {
	out := omap{}
	for _, o := range objs {
		out.add(o.Key, omap{{"external", true}, {"name", o.Name}})
	}
	return out
}

// note records what changed against compose: in English in the Result
// (for programs), and for the file's header in the project's language.
func (c *converter) note(n msg.Sub) {
	c.notes = append(c.notes, n)
	c.res.Notes = append(c.res.Notes, msg.English().T(n.ID, n.Args))
}

func (c *converter) header() string {
	var b strings.Builder
	// the file is for people: in the project's language
	lang, _ := msg.Parse(c.in.Answers[stack.LangAnswer])
	l := msg.New(lang)
	b.WriteString(l.T("file.swarm.header", msg.Args{"Name": fmt.Sprintf("%q", c.in.Name), "Files": strings.Join(c.files, ", ")}) + "\n")
	if c.h.resolving {
		b.WriteString(l.T("file.swarm.dnsrr") + "\n")
	}
	if len(c.notes) > 0 {
		b.WriteString(l.T("file.swarm.changed") + "\n")
		for _, n := range c.notes {
			fmt.Fprintf(&b, "#   %s\n", l.T(n.ID, n.Args))
		}
	}
	b.WriteString("\n")
	return b.String()
}

func dur(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func sortedMap(m map[string]string) omap {
	out := omap{}
	for _, k := range sortedKeys(m) {
		out.add(k, m[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
