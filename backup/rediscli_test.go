package backup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRedisCLIPrelude: the Redis scripts run in Valkey's images too, which
// name the client valkey-cli (and may have no redis-cli), with the
// password from whichever variable the service sets.
func TestRedisCLIPrelude(t *testing.T) {
	cases := []struct {
		name  string
		tools []string
		env   []string
		want  string
	}{
		{"redis image", []string{"redis-cli"}, []string{"REDISCLI_AUTH=r"}, "redis-cli r"},
		{"valkey image", []string{"valkey-cli"}, []string{"VALKEYCLI_AUTH=v"}, "valkey-cli v"},
		{"valkey image with redis names", []string{"valkey-cli", "redis-cli"}, []string{"REDISCLI_AUTH=r"}, "redis-cli r"},
		{"password only in REDIS_PASSWORD", []string{"valkey-cli"}, []string{"REDIS_PASSWORD=p"}, "valkey-cli p"},
		{"no password", []string{"valkey-cli"}, nil, "valkey-cli unset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, tool := range c.tools {
				script := "#!/bin/sh\necho 7\n"
				if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("/bin/sh", "-c", redisCLIPrelude+`printf '%s %s\n' "$cli" "${REDISCLI_AUTH-unset}"`)
			cmd.Env = append([]string{"PATH=" + dir}, c.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != c.want {
				t.Errorf("client and password %q, want %q", got, c.want)
			}
		})
	}
}

// TestRedisCountScriptWithValkeyCLI: the probe counts keys through
// valkey-cli when that is the only client.
func TestRedisCountScriptWithValkeyCLI(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "valkey-cli"), []byte("#!/bin/sh\n[ \"$1\" = DBSIZE ] && echo 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", redisCountScript)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	if _, err := exec.LookPath("redis-cli"); err == nil {
		t.Skip("this machine has a redis-cli in PATH, which the script would prefer")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := string(out); got != "keys\t7\n" {
		t.Errorf("count %q, want keys\\t7", got)
	}
}
