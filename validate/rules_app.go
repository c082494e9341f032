package validate

import (
	"path"
	"regexp"
	"strings"

	"github.com/stackgen/stackgen/internal/msg"
)

// A from-app deployment (stackgen new --from) adds a stackgen_deploy
// package beside the user's manage.py: its settings.py imports the user's
// settings and sets every secret from the environment, and its Dockerfile
// copies the user's dependency files.

const deployPkg = "stackgen_deploy"

var (
	deploySecretFromEnv = regexp.MustCompile(`(?m)^SECRET_KEY = env\("DJANGO_SECRET_KEY"\)$`)
	deployDatabases     = regexp.MustCompile(`(?m)^DATABASES = \{$`)
	deployStarImport    = regexp.MustCompile(`(?m)^from ([A-Za-z_][\w.]*) import \*`)
	deployDepCopy       = regexp.MustCompile(`(?m)^COPY ("[^"]+"|\S+) ("/src/[^"]+"|/src/\S+)$`)
	deployWorkdir       = regexp.MustCompile(`(?m)^WORKDIR ("/app[^"]*"|/app\S*)$`)
)

// deployRoots are the folders (manage.py's, "" for the top) whose
// stackgen_deploy/settings.py replaces the secrets and databases of the
// settings there.
func deployRoots(p *parsedSet) []string {
	var roots []string
	for _, f := range p.set {
		if path.Base(f.Path) != "settings.py" || path.Base(path.Dir(f.Path)) != deployPkg {
			continue
		}
		c := string(f.Content)
		if deploySecretFromEnv.MatchString(c) && deployDatabases.MatchString(c) {
			roots = append(roots, strings.TrimSuffix(strings.TrimSuffix(f.Path, deployPkg+"/settings.py"), "/"))
		}
	}
	return roots
}

// overriddenByDeploy reports whether a settings file's secrets never reach
// the deployed site: a stackgen_deploy/settings.py of its folder sets them
// from the environment (`stackgen new --from` names the literal so the
// user rotates it).
func overriddenByDeploy(roots []string, file string) bool {
	if path.Base(path.Dir(file)) == deployPkg {
		return false
	}
	for _, r := range roots {
		if r == "" || strings.HasPrefix(file, r+"/") {
			return true
		}
	}
	return false
}

func unquoteWord(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`).Replace(s[1 : len(s)-1])
	}
	return s
}

// checkDjangoAppFiles judges a from-app deployment on disk: the settings
// module its settings import and the dependency files its Dockerfile
// copies exist. A render alone (no manage.py beside stackgen_deploy) has
// none of the user's files and is not judged.
func checkDjangoAppFiles(p *parsedSet) []Finding {
	var out []Finding
	for _, root := range deployRoots(p) {
		join := func(rel string) string {
			if root == "" {
				return rel
			}
			return root + "/" + rel
		}
		if _, ok := p.files[join("manage.py")]; !ok {
			continue
		}
		settingsPath := join(deployPkg + "/settings.py")
		s := string(p.files[settingsPath].Content)
		for _, m := range deployStarImport.FindAllStringSubmatchIndex(s, -1) {
			mod := s[m[2]:m[3]]
			base := join(strings.ReplaceAll(mod, ".", "/"))
			_, file := p.files[base+".py"]
			_, pkg := p.files[base+"/__init__.py"]
			if !file && !pkg {
				out = append(out, tr(settingsPath, lineAt(s, m[0]), "validate.django-app-files.settings", msg.Args{"Module": mod, "Base": base}).withFix("validate.django-app-files.fix-settings"))
			}
		}
		dockerfile := join(deployPkg + "/Dockerfile")
		df, ok := p.files[dockerfile]
		if !ok {
			continue
		}
		d := string(df.Content)
		// The build context is the project's folder: manage.py's folder
		// (the last WORKDIR /app/CODE) less CODE.
		context := root
		if all := deployWorkdir.FindAllStringSubmatch(d, -1); all != nil {
			m := all[len(all)-1]
			code := strings.TrimPrefix(strings.TrimPrefix(unquoteWord(m[1]), "/app"), "/")
			if code != "" {
				context = strings.TrimSuffix(strings.TrimSuffix(root, code), "/")
			}
		}
		for _, m := range deployDepCopy.FindAllStringSubmatchIndex(d, -1) {
			src := unquoteWord(d[m[2]:m[3]])
			full := src
			if context != "" {
				full = context + "/" + src
			}
			if _, ok := p.files[full]; !ok {
				out = append(out, tr(dockerfile, lineAt(d, m[0]), "validate.django-app-files.dependency", msg.Args{"File": full}).withFix("validate.django-app-files.fix-dependency"))
			}
		}
	}
	return out
}
