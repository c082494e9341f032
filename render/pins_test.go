package render

import (
	"strings"
	"testing"

	"github.com/stackgen/stackgen/fileset"
)

func TestApplyPythonPins(t *testing.T) {
	req := "# pinned\n# mysqlclient==9.9 in a comment stays\nDjango==5.2.17\nmysqlclient==2.3.1\ntensorflow[and-cuda]==2.21.0\nweb.py==0.76\n"
	set := fileset.Set{{Path: "site/requirements.txt", Content: []byte(req)}, {Path: "README.md", Content: []byte("mysqlclient==2.3.1\n")}}
	cases := []struct {
		answer, want, err string
	}{
		{"", req, ""},
		{"mysqlclient==1.4.6", strings.Replace(req, "mysqlclient==2.3.1\n", "mysqlclient==1.4.6  # python_pins\n", 1), ""},
		{"DJANGO==4.2.20, web-py==0.62", strings.NewReplacer("Django==5.2.17\n", "Django==4.2.20  # python_pins\n", "web.py==0.76\n", "web.py==0.62  # python_pins\n").Replace(req), ""},
		{"tensorflow==2.20.0", strings.Replace(req, "tensorflow[and-cuda]==2.21.0\n", "tensorflow[and-cuda]==2.20.0  # python_pins\n", 1), ""},
		{"psycopg==3.2.0", "", "psycopg is not pinned"},
		{"mysqlclient>=1.4", "", "not NAME==VERSION"},
		{"mysqlclient==1.4.6;os_name=='nt'", "", "not NAME==VERSION"},
		{"-e==1", "", "not NAME==VERSION"},
		{"mysqlclient==1 MySQLclient==2", "", "pinned twice"},
	}
	for _, c := range cases {
		out, err := applyPythonPins(set, c.answer)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "python_pins: ") {
				t.Errorf("%q: err = %v, want one naming python_pins and %q", c.answer, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.answer, err)
		}
		if got := string(out[0].Content); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.answer, got, c.want)
		}
		if string(out[1].Content) != "mysqlclient==2.3.1\n" {
			t.Errorf("%q: a file that is not requirements.txt changed", c.answer)
		}
	}
}
