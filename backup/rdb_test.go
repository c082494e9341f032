package backup

import (
	"context"
	"strings"
	"testing"
)

func TestParseRDBHeader(t *testing.T) {
	cases := []struct {
		in      string
		want    RDBHeader
		wantErr string
	}{
		{"REDIS0011\xfa\x09redis-ver", RDBHeader{Version: 11}, ""},
		{"REDIS0012", RDBHeader{Version: 12}, ""},
		{"REDIS0013\xfe\x00", RDBHeader{Version: 13}, ""},
		{"VALKEY080\xfa", RDBHeader{Valkey: true, Version: 80}, ""},
		{"REDIS009", RDBHeader{}, "not an RDB"},
		{"REDISxxxx", RDBHeader{}, "format version"},
		{"-- MariaDB dump", RDBHeader{}, "no REDIS or VALKEY header"},
		{"", RDBHeader{}, "no REDIS or VALKEY header"},
	}
	for _, c := range cases {
		got, err := ReadRDBHeader(strings.NewReader(c.in))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: err = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestCheckRDB(t *testing.T) {
	redis := func(maj, min int) RedisServer { return RedisServer{Redis: [2]int{maj, min}} }
	valkey := func(maj int) RedisServer { return RedisServer{Redis: [2]int{7, 2}, Valkey: maj} }
	cases := []struct {
		name   string
		rdb    RDBHeader
		server RedisServer
		want   string // "" accepts
	}{
		{"same format", RDBHeader{Version: 12}, redis(7, 4), ""},
		{"older file into newer server", RDBHeader{Version: 11}, redis(8, 6), ""},
		{"Redis 8.6's file into 7.4", RDBHeader{Version: 13}, redis(7, 4), "format 13, written by Redis 8.6 or newer, which Redis 7.4 cannot load"},
		{"Redis 7.4's file into 7.2", RDBHeader{Version: 12}, redis(7, 2), "set the service's image to redis:7.4 or newer"},
		{"Redis 8.6's file into 8.4", RDBHeader{Version: 13}, redis(8, 4), "Redis 8.4 cannot load"},
		{"Redis 7.2's file into Valkey 8", RDBHeader{Version: 11}, valkey(8), ""},
		{"Redis 7.4's file into Valkey 8", RDBHeader{Version: 12}, valkey(8), "Valkey 8 cannot load"},
		{"Valkey 9's file into Redis 8.6", RDBHeader{Valkey: true, Version: 80}, redis(8, 6), "Valkey's format 80, which Redis 8.6 cannot load"},
		{"Valkey 9's file into Valkey 8", RDBHeader{Valkey: true, Version: 80}, valkey(8), "written by Valkey 9 or newer"},
		{"Valkey 9's file into Valkey 9", RDBHeader{Valkey: true, Version: 80}, valkey(9), ""},
		{"a format newer than the table", RDBHeader{Version: 14}, redis(8, 6), "newer than any Redis stackgen knows"},
		{"unknown server: not judged", RDBHeader{Version: 13}, RedisServer{}, ""},
	}
	for _, c := range cases {
		err := CheckRDB(c.rdb, c.server)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: a message of more than one line: %q", c.name, err)
		}
	}
}

func TestServerFromImage(t *testing.T) {
	for ref, want := range map[string]RedisServer{
		"redis:7.4-alpine":                        {Redis: [2]int{7, 4}},
		"corp.example:5000/mirror/redis:8.6.1":    {Redis: [2]int{8, 6}},
		"valkey/valkey:8.1":                       {Redis: [2]int{7, 2}, Valkey: 8},
		"redis:8":                                 {}, // no minor: not judged
		"redis@sha256:" + strings.Repeat("a", 64): {},
		"img/redis":                               {},
	} {
		if got := serverFromImage(ref); got != want {
			t.Errorf("serverFromImage(%q) = %+v, want %+v", ref, got, want)
		}
	}
}

func TestParseRedisProbeServer(t *testing.T) {
	c := parseRedisProbe("dir=/data\nversion=7.2.4\nvalkey_version=8.1.1\n")
	if c.Server != (RedisServer{Redis: [2]int{7, 2}, Valkey: 8}) {
		t.Errorf("server = %+v", c.Server)
	}
}

// TestRestoreRefusesANewerRDBFirst: the backup's RDB (format 12, Redis
// 7.4's) against a Redis 7.2 target is refused before any target, the
// database included, is touched.
func TestRestoreRefusesANewerRDBFirst(t *testing.T) {
	fe := newFake(t)
	dir, m := createBackup(t, fe)
	err := Restore(context.Background(), fe, RestoreOptions{Dir: dir, Manifest: m, Targets: djangoTargets(),
		Redis: map[string]RedisConfig{"redis": {Dir: "/data", DBFilename: "dump.rdb", Major: 7, Server: RedisServer{Redis: [2]int{7, 2}}}}})
	if err == nil || !strings.Contains(err.Error(), "refusing to restore") || !strings.Contains(err.Error(), "Redis 7.2 cannot load") {
		t.Fatalf("err = %v, want a refusal naming the server", err)
	}
	if len(fe.restored) != 0 || len(fe.helpers) != 0 {
		t.Errorf("something was restored before the refusal: %d streams, %d helpers", len(fe.restored), len(fe.helpers))
	}
	// and through the image when the server could not be asked
	targets := djangoTargets()
	for i := range targets {
		if targets[i].State.Service == "redis" {
			targets[i].Image = "redis:7.2-alpine"
		}
	}
	err = Restore(context.Background(), fe, RestoreOptions{Dir: dir, Manifest: m, Targets: targets})
	if err == nil || !strings.Contains(err.Error(), "Redis 7.2 cannot load") {
		t.Errorf("by image: err = %v", err)
	}
}
