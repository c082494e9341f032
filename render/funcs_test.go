package render

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stackgen/stackgen/internal/msg"
)

// hostile values are what a careless or malicious answer could hold.
var hostile = []string{
	`plain`,
	`it's`,
	`say "hi"`,
	`$HOME and ${PATH} and $$`,
	"line1\nline2",
	`# not a comment`,
	`back\slash`,
	`semi;colon {brace}`,
	`ünïcødé 密码 🔑`,
	`'; rm -rf / #`,
	"tab\there",
	``,
}

func TestYAMLStringRoundTrips(t *testing.T) {
	for _, v := range hostile {
		doc := "key: " + YAMLString(v) + "\n"
		var got map[string]string
		if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("YAMLString(%q) gives invalid YAML %q: %v", v, doc, err)
		}
		if got["key"] != v {
			t.Errorf("YAMLString(%q) reads back as %q", v, got["key"])
		}
	}
}

func TestComposeStringEscapesInterpolation(t *testing.T) {
	got := ComposeString(`pa$$word ${X}`)
	if got != `"pa$$$$word $${X}"` {
		t.Errorf("ComposeString = %s; every $ must be doubled", got)
	}
}

func TestShellQuoteRoundTripsThroughBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	for _, v := range hostile {
		q := ShellQuote(v)
		out, err := exec.Command(bash, "-c", "printf '%s' "+q).Output()
		if err != nil {
			t.Fatalf("bash rejected ShellQuote(%q) = %s: %v", v, q, err)
		}
		if string(out) != v {
			t.Errorf("ShellQuote(%q) = %s reads back as %q", v, q, out)
		}
	}
}

func TestShellQuoteLeavesSafeWordsBare(t *testing.T) {
	for in, want := range map[string]string{"mysite": "mysite", "a b": "'a b'", "": "''", "x'y": `'x'"'"'y'`} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestEnvValueRoundTripsThroughParser(t *testing.T) {
	for _, v := range hostile {
		q := EnvValue(v)
		line := "K=" + q
		if strings.Count(line, "\n") > 0 {
			t.Fatalf("EnvValue(%q) spans lines: %q", v, line)
		}
		got := parseEnvLine(t, line)
		if got != v {
			t.Errorf("EnvValue(%q) = %s reads back as %q", v, q, got)
		}
	}
}

func TestNginxValue(t *testing.T) {
	cases := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "example.com", want: "example.com"},
		{in: `a "quoted" name`, want: `"a \"quoted\" name"`},
		{in: "semi;colon", want: `"semi;colon"`},
		{in: "$host", wantErr: true},
		{in: "two\nlines", wantErr: true},
	}
	for _, c := range cases {
		got, err := NginxValue(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("NginxValue(%q) error = %v, want error %v", c.in, err, c.wantErr)
			continue
		}
		if !c.wantErr && got != c.want {
			t.Errorf("NginxValue(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestINIValueRefusesLineBreaksAndComments(t *testing.T) {
	for _, v := range []string{"a\nb", "a;b", "a#b", "x\r"} {
		if _, err := INIValue(v); err == nil {
			t.Errorf("INIValue(%q) accepted a value that ends or comments out the line", v)
		}
	}
	if got, err := INIValue("4"); err != nil || got != "4" {
		t.Errorf("INIValue(4) = %q, %v", got, err)
	}
}

func TestSQLQuoting(t *testing.T) {
	if got := SQLIdent("my`db"); got != "`my``db`" {
		t.Errorf("SQLIdent = %s", got)
	}
	if got := SQLString(`it's a \ test`); got != `'it''s a \\ test'` {
		t.Errorf("SQLString = %s", got)
	}
}

func TestPowerShellQuote(t *testing.T) {
	if got := PowerShellQuote(`it's $env:X`); got != `'it''s $env:X'` {
		t.Errorf("PowerShellQuote = %s", got)
	}
}

func TestPythonStringCompiles(t *testing.T) {
	py := python3(t)
	for _, v := range hostile {
		out, err := exec.Command(py, "-c", "import sys; sys.stdout.write("+PythonString(v)+")").Output()
		if err != nil {
			t.Fatalf("python rejected PythonString(%q) = %s: %v", v, PythonString(v), err)
		}
		if string(out) != v {
			t.Errorf("PythonString(%q) reads back as %q", v, out)
		}
	}
}

// parseEnvLine reads one .env line the way Compose does, via compose-go's
// dotenv parser, so the test checks the real consumer.
func parseEnvLine(t *testing.T, line string) string {
	t.Helper()
	env, err := dotenvParse(line)
	if err != nil {
		t.Fatalf("dotenv rejected %q: %v", line, err)
	}
	return env["K"]
}

// A value a helper refuses reaches the reader as that helper's catalogue
// error inside the template's: said in the reader's language, without the
// template machinery's call chain around it.
func TestRefusedValueIsSaidFromTheCatalogue(t *testing.T) {
	_, err := execute("nginx.conf.tmpl", []byte("server_name {{nginx .}};"), "a$b", Funcs())
	var e *msg.Error
	if !errors.As(err, &e) || e.ID != "render.err.template" {
		t.Fatalf("err = %v, want render.err.template", err)
	}
	if strings.Contains(err.Error(), "error calling") || !strings.Contains(err.Error(), "cannot be written to nginx.conf") {
		t.Errorf("English: %v", err)
	}
	zh := msg.New(msg.Zh).T(e.ID, e.Args)
	if !strings.Contains(zh, "不能写进 nginx.conf") || !strings.Contains(zh, "nginx.conf.tmpl") {
		t.Errorf("Chinese: %s", zh)
	}
}
