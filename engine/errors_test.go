package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/stackgen/stackgen/internal/msg"
)

// The engine's error types read in the reader's language when a wrapper
// or root says them ({{.Err}}), and stay findable with errors.As.
func TestErrorTypesAreSaidInTheReadersLanguage(t *testing.T) {
	denied := errors.New("dial unix /var/run/docker.sock: connect: permission denied")
	cases := []struct {
		name string
		err  error
		zh   string // a phrase of the Chinese text
		as   func(error) bool
	}{
		{"unreachable", &UnreachableError{Host: "unix:///var/run/docker.sock", Err: denied}, "docker 组",
			func(err error) bool { var e *UnreachableError; return errors.As(err, &e) }},
		{"compose missing", &ComposeMissingError{Detail: "unknown command"}, "没有安装 docker compose v2",
			func(err error) bool {
				var e *ComposeMissingError
				return errors.As(err, &e) && errors.Is(err, ErrComposeMissing)
			}},
		{"pull", &PullError{Image: "mariadb:11", Err: errors.New("denied")}, "也拉取不到",
			func(err error) bool { var e *PullError; return errors.As(err, &e) }},
		{"command", &CommandError{Args: []string{"compose", "up"}, ExitCode: 1, Stderr: "boom"}, "退出码 1",
			func(err error) bool { var e *CommandError; return errors.As(err, &e) }},
		{"wait", &WaitError{Failed: []ServiceState{{Service: "web", Failure: FailExited, ExitCode: 3}, {Service: "db", Failure: FailUnhealthy}}},
			`服务 "web" 已退出，退出码 3；服务 "db" 健康检查未通过`,
			func(err error) bool {
				var e *WaitError
				return errors.As(err, &e) && errors.Is(err, ErrExited) && errors.Is(err, ErrUnhealthy)
			}},
		{"wait timeout", &WaitError{Timeout: true, Pending: []ServiceState{{Service: "web", Detail: "health: starting"}, {Service: "db", Detail: "starting"}}},
			`等待超时：服务 "web"（health: starting）、服务 "db"（starting）`,
			func(err error) bool { return errors.Is(err, ErrTimeout) }},
		{"api", (&Client{}).apiErr(context.Background(), msg.Sub{ID: "engine.api.inspect-image", Args: msg.Args{"Image": "mysql:8.4"}}, cerrdefs.ErrNotFound), "检查镜像 mysql:8.4",
			func(err error) bool { return cerrdefs.IsNotFound(err) }},
		{"swarm wait", &SwarmWaitError{Failed: []SwarmService{{Name: "st_web", Desired: 1}}}, "服务 st_web 失败",
			func(err error) bool { var e *SwarmWaitError; return errors.As(err, &e) }},
		{"config", &ConfigError{Dir: "/srv/site", Err: errors.New("yaml: line 3")}, "无法加载该项目",
			func(err error) bool { var e *ConfigError; return errors.As(err, &e) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wrapped := msg.Err("engine.err.read-logs", msg.Args{"Container": "abc", "Err": tc.err})
			zh := msg.New(msg.Zh).T("engine.err.read-logs", msg.Args{"Container": "abc", "Err": tc.err})
			if !strings.Contains(zh, tc.zh) || strings.Contains(zh, tc.err.Error()) {
				t.Errorf("zh: %q, want %q in it and not the English %q", zh, tc.zh, tc.err.Error())
			}
			if !strings.Contains(wrapped.Error(), tc.err.Error()) {
				t.Errorf("en: %q lacks %q", wrapped, tc.err)
			}
			if !tc.as(wrapped) {
				t.Errorf("errors.As lost the %T in %q", tc.err, wrapped)
			}
		})
	}
}
