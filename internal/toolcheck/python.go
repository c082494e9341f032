package toolcheck

import (
	"strings"
)

// CheckPython compiles every Python file with one `python3 -m py_compile`
// (bytecode goes into the temporary copy, so the set is untouched).
func (p *Written) CheckPython() ([]Problem, error) {
	py, err := Require("python3", "apt-get install -y python3")
	if err != nil {
		return nil, err
	}
	files := p.pythonFiles()
	out, ok, err := runTool(p.Dir, py, append([]string{"-m", "py_compile"}, files...)...)
	if err != nil {
		return nil, err
	}
	if ok {
		return nil, nil
	}
	// py_compile goes on after a file that fails, naming each one.
	return []Problem{{Msg: "py_compile: " + strings.TrimSpace(p.relTo(out))}}, nil
}
