package toolcheck

import (
	"strings"
)

// CheckBashSyntax runs `bash -n` on every shell script.
func (p *Written) CheckBashSyntax() ([]Problem, error) {
	bash, err := Require("bash", "apt-get install -y bash")
	if err != nil {
		return nil, err
	}
	var problems []Problem
	for _, rel := range p.shellScripts() {
		out, ok, err := runTool(p.Dir, bash, "-n", p.Abs(rel))
		if err != nil {
			return nil, err
		}
		if !ok {
			problems = append(problems, Problem{File: rel, Msg: "bash -n: " + strings.TrimSpace(p.relTo(out))})
		}
	}
	return problems, nil
}

// CheckShellcheck runs shellcheck -x on every shell script, following the
// files they source from their own folder.
func (p *Written) CheckShellcheck() ([]Problem, error) {
	sc, err := Require("shellcheck", "apt-get install -y shellcheck")
	if err != nil {
		return nil, err
	}
	scripts := p.shellScripts()
	args := []string{"-x", "--source-path=SCRIPTDIR", "-S", p.opts.ShellcheckSeverity, "-f", "gcc"}
	args = append(args, scripts...) // relative to p.Dir, so messages name project paths
	out, ok, err := runTool(p.Dir, sc, args...)
	if err != nil {
		return nil, err
	}
	if ok {
		return nil, nil
	}
	var problems []Problem
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		file, rest, found := strings.Cut(line, ":")
		if !found {
			problems = append(problems, Problem{Msg: "shellcheck: " + line})
			continue
		}
		problems = append(problems, Problem{File: file, Msg: "shellcheck: line " + rest})
	}
	if len(problems) == 0 {
		problems = append(problems, Problem{Msg: "shellcheck failed without a finding: " + out})
	}
	return problems, nil
}
