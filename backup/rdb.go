package backup

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stackgen/stackgen/internal/imagerole"
	"github.com/stackgen/stackgen/internal/msg"
	"github.com/stackgen/stackgen/stack"
)

// An RDB file starts with a magic string and its format version: REDIS
// and four digits (REDIS0012), or, from Valkey 9, VALKEY and three
// (VALKEY080). A server refuses a format newer than its own ("Can't handle
// RDB format version N") and exits, so restore checks before it stops
// anything for good.

// rdbHeaderLen is the longest header: VALKEY + 3 digits.
const rdbHeaderLen = 9

// RDBHeader is what an RDB's first bytes say.
type RDBHeader struct {
	Valkey  bool // the VALKEY magic: a Valkey-only format
	Version int
}

// ParseRDBHeader reads the magic and format version.
func ParseRDBHeader(b []byte) (RDBHeader, error) {
	s := string(b)
	var digits string
	var h RDBHeader
	switch {
	case strings.HasPrefix(s, "REDIS") && len(s) >= 9:
		digits = s[5:9]
	case strings.HasPrefix(s, "VALKEY") && len(s) >= 9:
		digits, h.Valkey = s[6:9], true
	default:
		return RDBHeader{}, msg.Err("backup.err.rdb-header")
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v <= 0 {
		return RDBHeader{}, msg.Err("backup.err.rdb-version", msg.Args{"Digits": strconv.Quote(digits)})
	}
	h.Version = v
	return h, nil
}

// ReadRDBHeader reads the header from the start of r.
func ReadRDBHeader(r io.Reader) (RDBHeader, error) {
	b := make([]byte, rdbHeaderLen)
	n, err := io.ReadFull(r, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return RDBHeader{}, err
	}
	return ParseRDBHeader(b[:n])
}

// rdbMinRedis is the first Redis release that writes (and so the oldest
// that reads) each RDB format version, from Redis's rdb.h history and the
// "Can't handle RDB format version" reports of those who tried older ones.
var rdbMinRedis = []struct {
	version int
	redis   [2]int
}{
	{6, [2]int{2, 6}}, {7, [2]int{3, 2}}, {8, [2]int{4, 0}}, {9, [2]int{5, 0}},
	{10, [2]int{7, 0}}, {11, [2]int{7, 2}}, {12, [2]int{7, 4}}, {13, [2]int{8, 6}},
}

// valkeyMaxRedisFormat is the newest Redis format Valkey loads: Valkey
// forked from Redis 7.2 (RDB 11), reserves 12-79 for other software's
// formats and writes its own from 80 on; its default strict
// rdb-version-check refuses the foreign ones.
const valkeyMaxRedisFormat = 11

// RedisServer is the server a restore writes into, as its INFO says.
type RedisServer struct {
	Redis  [2]int // redis_version's major.minor (Valkey reports 7.2 here)
	Valkey int    // valkey_version's major, 0 for Redis
}

// CheckRDB says whether server can load an RDB with header h, and when
// not, why in one sentence that says what to do. A server whose version
// is unknown is not judged.
func CheckRDB(h RDBHeader, server RedisServer) error {
	if server.Redis == [2]int{} && server.Valkey == 0 {
		return nil
	}
	name := fmt.Sprintf("Redis %d.%d", server.Redis[0], server.Redis[1])
	if server.Valkey > 0 {
		name = fmt.Sprintf("Valkey %d", server.Valkey)
	}
	if h.Valkey || h.Version >= 80 {
		switch {
		case server.Valkey == 0:
			return msg.Err("backup.err.rdb-valkey", msg.Args{"Version": h.Version, "Server": name})
		case server.Valkey < 9:
			return msg.Err("backup.err.rdb-valkey9", msg.Args{"Version": h.Version, "Server": name})
		}
		return nil
	}
	if server.Valkey > 0 {
		if h.Version > valkeyMaxRedisFormat {
			need := minRedisFor(h.Version)
			return msg.Err("backup.err.rdb-valkey-redis", msg.Args{"Version": h.Version, "Need": fmt.Sprintf("%d.%d", need[0], need[1]), "Server": name})
		}
		return nil
	}
	need := minRedisFor(h.Version)
	if need == [2]int{} {
		// a format newer than this table knows: newer than any Redis it names
		last := rdbMinRedis[len(rdbMinRedis)-1]
		if h.Version > last.version {
			return msg.Err("backup.err.rdb-unknown", msg.Args{"Version": h.Version, "Last": last.version, "LastRedis": fmt.Sprintf("%d.%d", last.redis[0], last.redis[1]), "Server": name})
		}
		return nil
	}
	if older(server.Redis, need) {
		return msg.Err("backup.err.rdb-redis", msg.Args{"Version": h.Version, "Need": fmt.Sprintf("%d.%d", need[0], need[1]), "Server": name})
	}
	return nil
}

func minRedisFor(version int) [2]int {
	var out [2]int
	for _, r := range rdbMinRedis {
		if r.version <= version {
			out = r.redis
		}
	}
	if version > rdbMinRedis[len(rdbMinRedis)-1].version {
		return [2]int{}
	}
	return out
}

func older(a, b [2]int) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// parseRedisServer reads INFO's redis_version and valkey_version.
func parseRedisServer(redisVersion, valkeyVersion string) RedisServer {
	var s RedisServer
	parts := strings.SplitN(redisVersion, ".", 3)
	if len(parts) >= 2 {
		s.Redis[0], _ = strconv.Atoi(parts[0])
		s.Redis[1], _ = strconv.Atoi(parts[1])
	}
	if major, _, _ := strings.Cut(valkeyVersion, "."); major != "" {
		s.Valkey, _ = strconv.Atoi(major)
	}
	return s
}

// serverFromImage guesses the server from an image reference when the
// running server could not be asked: redis:7.4-alpine is Redis 7.4,
// valkey/valkey:8.1 Valkey 8. A tag without major.minor says nothing.
func serverFromImage(ref string) RedisServer {
	f, _, ok := imagerole.FromRef(ref)
	if !ok {
		return RedisServer{}
	}
	tag := ref
	if i := strings.Index(tag, "@"); i >= 0 {
		tag = tag[:i]
	}
	if c := strings.LastIndex(tag, ":"); c > strings.LastIndex(tag, "/") {
		tag = tag[c+1:]
	} else {
		return RedisServer{}
	}
	tag, _, _ = strings.Cut(tag, "-")
	parts := strings.Split(tag, ".")
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return RedisServer{}
	}
	switch f.Name {
	case "valkey":
		return RedisServer{Redis: [2]int{7, 2}, Valkey: major}
	case "redis":
		if len(parts) < 2 {
			return RedisServer{}
		}
		minor, err := strconv.Atoi(parts[1])
		if err != nil {
			return RedisServer{}
		}
		return RedisServer{Redis: [2]int{major, minor}}
	}
	return RedisServer{}
}

// checkRedisTargets refuses, before anything is restored, an RDB the
// target Redis (as probed, else as its image says) could not load.
func checkRedisTargets(opts RestoreOptions) error {
	for _, t := range opts.Targets {
		if t.State.Kind != stack.StateRedis {
			continue
		}
		f, ok := opts.Manifest.FileFor(t.State)
		if !ok {
			continue // Restore names the missing file
		}
		fh, _, err := OpenData(opts.Dir, f.Name)
		if err != nil {
			continue // likewise
		}
		h, err := ReadRDBHeader(fh)
		fh.Close()
		if err != nil {
			return msg.Err("backup.err.rdb-read", msg.Args{"File": f.Name, "Err": err})
		}
		server := opts.Redis[t.State.Service].Server
		if server == (RedisServer{}) {
			server = serverFromImage(t.Image)
		}
		if err := CheckRDB(h, server); err != nil {
			return msg.Err("backup.err.rdb-refused", msg.Args{"File": f.Name, "Service": t.State.Service, "Err": err})
		}
	}
	return nil
}
