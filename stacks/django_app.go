package stacks

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/appscan"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// The answers of the from-app mode (stackgen new django-uwsgi --from APP):
// what appscan found in the user's Django project, recorded so a render
// stays a pure function of the answers and the manifest can replay it.
const (
	AppDirAnswer = "app_dir" // the project's folder, relative to the stack; "" builds the generated skeleton
	appCode      = "app_code"
	appSettings  = "app_settings"
	appWSGI      = "app_wsgi"
	appInstall   = "app_install"
	appReqs      = "app_requirements"
	appDepFiles  = "app_dep_files"
	appAdd       = "app_add"
	appBuildLibs = "app_build_libs"
	appRunLibs   = "app_runtime_libs"
	appCelery    = "app_celery"
)

// appTemplates is the template folder of the from-app mode: its files
// go to the user's project folder, __code__ to manage.py's folder.
const (
	appReadme    = "README.stackgen.md" // the stack README in the user's folder, beside theirs
	appTemplates = "__app__"
	appCodeDir   = "__code__"
)

// What the from-app image adds when the project lacks it, pinned like the
// skeleton's requirements.txt: the database driver for MySQL and MariaDB,
// the cache client the generated settings use, and the WSGI server.
var appNeeds = []struct{ name, req string }{
	{"mysqlclient", "mysqlclient==2.3.1"},
	{"django-redis", "django-redis==5.4.0"},
	{"uwsgi", "uWSGI==2.0.31"},
}

var (
	relPath   = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_./-]*$`)
	dottedMod = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$`)
	wsgiRef   = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$`)
	reqLine   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$`)
	debPkg    = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]+$`)
)

func inApp(a stack.Answers) bool { return a[AppDirAnswer] != "" }

func checkRel(v string) error {
	if v == "" {
		return nil
	}
	c := path.Clean(v)
	if !relPath.MatchString(v) || c != v || c == ".." || strings.HasPrefix(c, "../") {
		return msg.Err("stacks.err.app-rel", msg.Args{"Value": strconv.Quote(v)})
	}
	return nil
}

// what is the catalogue ID of the phrase saying what an item must be.
func checkList(re *regexp.Regexp, sep, what string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		for _, item := range strings.Split(v, sep) {
			if !re.MatchString(item) {
				return msg.Err("stacks.err.app-not", msg.Args{"Value": strconv.Quote(item), "What": msg.Sub{ID: what}})
			}
		}
		return nil
	}
}

// what is the catalogue ID of the phrase saying what v must be.
func checkMatch(re *regexp.Regexp, what string) func(string) error {
	return func(v string) error {
		if v != "" && !re.MatchString(v) {
			return msg.Err("stacks.err.app-not", msg.Args{"Value": strconv.Quote(v), "What": msg.Sub{ID: what}})
		}
		return nil
	}
}

func appQuestions() []stack.Question {
	var tools []string
	for _, t := range appscan.Tools {
		tools = append(tools, string(t))
	}
	q := func(key, prompt string, check func(string) error) stack.Question {
		return stack.Question{Key: key, Prompt: prompt, Kind: stack.String, Advanced: true, Check: check, When: inApp,
			Help: "Found by --from in your Django project; set with --set to correct it"}
	}
	return []stack.Question{
		{
			Key: AppDirAnswer, Prompt: "Your Django project's folder (from-app mode)", Kind: stack.String, Advanced: true,
			Help:  "Set by --from APP: the folder of an existing Django project, relative to the stack's folder (. for the same folder); empty writes a new project",
			Check: checkRel,
		},
		q(appCode, "Folder of manage.py inside the project", checkRel),
		q(appSettings, "Your settings module", checkMatch(dottedMod, "stacks.what.settings-module")),
		q(appWSGI, "Your WSGI application", checkMatch(wsgiRef, "stacks.what.wsgi-ref")),
		{Key: appInstall, Prompt: "How dependencies are installed", Kind: stack.Choice, Advanced: true, When: inApp,
			Default: string(appscan.Requirements), Choices: tools, Help: "requirements, uv, poetry, pipenv or pyproject (PEP 621 without a lock)"},
		q(appReqs, "The requirements file installed", checkRel),
		q(appDepFiles, "The files that declare the dependencies (comma-separated)", checkList(relPath, ",", "stacks.what.rel-path")),
		q(appAdd, "Packages the image adds (comma-separated pins)", checkList(reqLine, ",", "stacks.what.pin")),
		q(appBuildLibs, "Debian packages of the build stage (space-separated)", checkList(debPkg, " ", "stacks.what.deb-package")),
		q(appRunLibs, "Debian packages of the runtime stage (space-separated)", checkList(debPkg, " ", "stacks.what.deb-package")),
		q(appCelery, "Module of your Celery app", checkMatch(dottedMod, "stacks.what.celery-module")),
	}
}

// AppAnswers are the answers of the from-app mode for a scanned project in
// dir (relative to the stack's folder), with what the image adds; added
// names those packages for the user.
func AppAnswers(app *appscan.Django, dir string) (a stack.Answers, added []string) {
	a = stack.Answers{
		AppDirAnswer: dir,
		appCode:      app.Code,
		appSettings:  app.Settings,
		appWSGI:      app.WSGI,
		appInstall:   string(app.Tool),
		appReqs:      app.Requirements,
		appDepFiles:  strings.Join(app.DepFiles, ","),
		appCelery:    app.Celery,
	}
	pkgs := append([]string(nil), app.Packages...)
	var add []string
	for _, n := range appNeeds {
		if !app.Has(n.name) {
			add = append(add, n.req)
			added = append(added, n.req)
			pkgs = append(pkgs, n.name)
		}
	}
	a[appAdd] = strings.Join(add, ",")
	build, run := appscan.SystemLibs(pkgs)
	a[appBuildLibs] = strings.Join(build, " ")
	a[appRunLibs] = strings.Join(run, " ")
	if top, _, _ := strings.Cut(app.Settings, "."); stack.PythonPackage(top) == nil {
		a["project"] = top // names the database and its user after the project
	}
	if app.Python != "" {
		a[stack.ImagePrefix+"python"] = "python:" + app.Python + "-slim"
	}
	return a, added
}

// DjangoApp is what the from-app templates see.
type DjangoApp struct {
	Dir          string // the project's folder, relative to the stack
	Context      string // compose's build context: ./ or ./app
	Dockerfile   string // relative to the context
	Code         string // manage.py's folder, relative to the project
	DeployDir    string // stackgen_deploy in Code, relative to the project
	CodeDir      string // manage.py's folder in the image
	Settings     string
	WSGI         string
	Install      string
	Requirements string
	DepFiles     []string
	Add          []string
	BuildLibs    []string
	RuntimeLibs  []string
	Celery       string
	// InStack is true when the project is the stack's own folder, so the
	// build context also holds compose/, .env and the manifest.
	InStack bool
}

func djangoApp(a stack.Answers) *DjangoApp {
	if !inApp(a) {
		return nil
	}
	split := func(v, sep string) []string {
		if v == "" {
			return nil
		}
		return strings.Split(v, sep)
	}
	app := &DjangoApp{
		Dir:          a[AppDirAnswer],
		Code:         a[appCode],
		Settings:     a[appSettings],
		WSGI:         a[appWSGI],
		Install:      a[appInstall],
		Requirements: a[appReqs],
		DepFiles:     split(a[appDepFiles], ","),
		Add:          split(a[appAdd], ","),
		BuildLibs:    split(a[appBuildLibs], " "),
		RuntimeLibs:  split(a[appRunLibs], " "),
		Celery:       a[appCelery],
		InStack:      a[AppDirAnswer] == ".",
	}
	if app.Code == "" {
		app.Code = "."
	}
	app.Context = "./" + app.Dir
	if app.InStack {
		app.Context = "."
	}
	app.DeployDir = path.Join(app.Code, "stackgen_deploy")
	app.Dockerfile = path.Join(app.DeployDir, "Dockerfile")
	app.CodeDir = path.Join("/app", app.Code)
	return app
}

// appOutputPath maps the template tree for the from-app mode: the
// skeleton project and the stack README are left out (the project is the
// user's, and so is any README.md), __app__ goes to the user's folder.
func appOutputPath(p string, a stack.Answers) string {
	if !inApp(a) {
		if strings.HasPrefix(p, appTemplates+"/") || p == appReadme {
			return ""
		}
		return p
	}
	switch {
	case strings.HasPrefix(p, djangoProjectDir+"/"), p == "README.md", p == ".gitattributes":
		return ""
	case strings.HasPrefix(p, appTemplates+"/"):
		rest := strings.TrimPrefix(p, appTemplates+"/")
		code := a[appCode]
		if code == "" {
			code = "."
		}
		if r, ok := strings.CutPrefix(rest, appCodeDir+"/"); ok {
			rest = path.Join(code, r)
		}
		return path.Join(a[AppDirAnswer], rest)
	}
	return p
}
