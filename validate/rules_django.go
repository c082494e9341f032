package validate

import (
	"path"
	"regexp"
	"strings"
)

// Rules on Django settings files.

var djangoLiteral = regexp.MustCompile(`(?m)^\s*(?:SECRET_KEY\s*=|['"](?:PASSWORD|SECRET_KEY)['"]\s*:)\s*(?:r|b)?(['"])([^'"]+)['"]`)

func checkDjangoHardcodedSecret(p *parsedSet) []Finding {
	var out []Finding
	roots := deployRoots(p)
	for _, f := range p.set {
		if path.Base(f.Path) != "settings.py" && !strings.Contains(f.Path, "/settings/") {
			continue
		}
		if overriddenByDeploy(roots, f.Path) {
			continue // the deployed site runs stackgen_deploy.settings
		}
		c := string(f.Content)
		for _, m := range djangoLiteral.FindAllStringSubmatchIndex(c, -1) {
			out = append(out, tr(f.Path, lineAt(c, m[0]), "validate.django-hardcoded-secret.msg", nil))
		}
	}
	return out
}
